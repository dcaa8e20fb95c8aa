import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../lib/api.ts';
import { FilePicker } from './FilePicker.tsx';

/**
 * A path option: chosen, never typed. The field shows the chosen path whole (read-only, wrapped,
 * never clipped); "Browse…" opens the server-side picker, limited to the workspace's allowed
 * roots; an earlier run or a run config fills it too. Such a path may no longer be there, so the
 * server checks it as it changes and a wrong one shows within a second, before anything loads.
 */
export function PathField(
  props: {
    id: string;
    kind: 'file' | 'dir';
    ending?: string;
    value: string;
    check: boolean;
    /** Whether the option may be left empty: then a button clears it. */
    optional?: boolean;
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
  const what = props.kind === 'dir' ? 'a folder' : `a ${props.ending ?? 'file'}`;
  return (
    <span class='path-field'>
      <span class='path-row'>
        <textarea
          id={props.id}
          class='path-value'
          rows={1}
          readOnly
          value={props.value}
          placeholder={`none: pick ${what} with Browse…`}
          title={props.value || `pick ${what} in the workspace with Browse…`}
          onClick={() => setPicking(true)}
        />
        <button type='button' id={`${props.id}-browse`} onClick={() => setPicking(!picking)}>Browse…</button>
        {props.optional && props.value && (
          <button
            type='button'
            id={`${props.id}-clear`}
            class='path-clear'
            title='leave this option out'
            onClick={() => props.onChange('')}
          >
            Clear
          </button>
        )}
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
