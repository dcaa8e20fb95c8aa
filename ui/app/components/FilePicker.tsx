import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../lib/api.ts';
import type { FolderListing } from '../lib/types.ts';

/**
 * The server-side file picker: folders under the workspace's allowed roots only (the server lists
 * nothing else). `kind: 'dir'` picks a folder; files are shown when they end in `ending`.
 */
export function FilePicker(
  props: {
    id: string;
    kind: 'file' | 'dir';
    ending?: string;
    start?: string;
    onPick: (path: string) => void;
    onClose: () => void;
  },
) {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = (dir?: string) =>
    getJson<FolderListing>('/workspace/files', dir ? { dir } : {}).then((l) => {
      setListing(l);
      setError(null);
    }).catch((e) => setError((e as Error).message));
  useEffect(() => void open(props.start), []);
  const shown =
    listing?.entries.filter((e) =>
      e.kind === 'dir' || (props.kind === 'file' && (!props.ending || e.name.endsWith(props.ending)))
    ) ?? [];
  return (
    <div class='file-picker' id={props.id}>
      <div class='file-picker-head'>
        <select
          class='file-picker-root'
          title='allowed folders (serve --allow)'
          value={listing?.roots.find((r) => listing.dir.startsWith(r)) ?? ''}
          onChange={(e) => open((e.target as HTMLSelectElement).value)}
        >
          {listing?.roots.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
        <button type='button' class='close' onClick={props.onClose} aria-label='close the picker'>×</button>
      </div>
      <p class='muted file-picker-dir' title={listing?.dir}>{listing?.dir}</p>
      {error && <p class='error'>{error}</p>}
      <ul class='file-picker-list'>
        {listing?.parent && (
          <li>
            <button type='button' class='file-entry dir up' onClick={() => open(listing.parent!)}>..</button>
          </li>
        )}
        {shown.map((e) => (
          <li key={e.path}>
            <button
              type='button'
              class={`file-entry ${e.kind}`}
              data-name={e.name}
              onClick={() => (e.kind === 'dir' ? open(e.path) : props.onPick(e.path))}
            >
              {e.name}
              {e.kind === 'dir' ? '/' : ''}
            </button>
          </li>
        ))}
        {listing && shown.length === 0 && <li class='muted'>nothing to pick here</li>}
      </ul>
      {props.kind === 'dir' && listing && (
        <button
          type='button'
          class='file-picker-choose'
          onClick={() => props.onPick(listing.dir)}
        >
          Choose this folder
        </button>
      )}
    </div>
  );
}
