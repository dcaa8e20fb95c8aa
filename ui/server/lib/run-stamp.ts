import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunStore } from '../../../core/index.ts';

/**
 * What changes whenever a run is written: its manifest, and for a sharded or queued run the
 * shards' records and `queue.json` (a sharded run's manifest stays put while its shards work).
 * Files are replaced by rename, so the inode tells writes within one millisecond apart.
 */
export function runStamp(store: RunStore, run: string): string {
  const parts: string[] = [];
  const add = (path: string) => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    parts.push(`${st.mtimeMs}:${st.ino}:${st.size}`);
  };
  add(store.path(run, 'manifest.json'));
  add(store.path(run, 'queue.json'));
  const shards = store.path(run, 'shards');
  if (existsSync(shards)) {
    for (const name of readdirSync(shards).filter((n) => n.endsWith('.json')).sort()) add(join(shards, name));
  }
  return parts.join('|');
}
