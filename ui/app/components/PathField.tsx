import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../lib/api.ts';
import { FilePicker } from './FilePicker.tsx';

/**
 * A path option: picked from the workspace with the server-side picker (or typed), and checked
 * by the server as it changes, so a wrong path shows within a second, before anything loads.
 */
export function PathField(
  props: {
    id: string;
    kind: 'file' | 'dir';
    ending?: string;
    value: string;
    check: boolean;
    onChange: (v: string) => void;
  },
) {
  const [picking, setPicking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setProblem(null);
    if (!props.check || !props.value) return;
    const timer = setTimeout(() => {
      getJson('/workspace/check', { path: props.value, kind: props.kind }).then(
        () => setProblem(null),
        (e) => setProblem((e as Error).message),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [props.value, props.check]);
  const start = props.value && props.check && !problem ? props.value.replace(/[/\\][^/\\]*$/, '') : undefined;
  return (
    <span class='path-field'>
      <span class='path-row'>
        <input
          id={props.id}
          type='text'
          value={props.value}
          placeholder={props.kind === 'dir'
            ? 'a folder in the workspace'
            : `a ${props.ending ?? 'file'} in the workspace`}
          onInput={(e) => props.onChange((e.target as HTMLInputElement).value)}
        />
        <button type='button' id={`${props.id}-browse`} onClick={() => setPicking(!picking)}>Browse…</button>
      </span>
      {problem && <span class='error path-error' id={`${props.id}-error`}>{problem}</span>}
      {picking && (
        <FilePicker
          id={`${props.id}-picker`}
          kind={props.kind}
          ending={props.ending}
          start={start}
          onPick={(path) => {
            setPicking(false);
            props.onChange(path);
          }}
          onClose={() => setPicking(false)}
        />
      )}
    </span>
  );
}
