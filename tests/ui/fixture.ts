/** Shared fixtures of the ui tests: one real run (tiny conv model) and one synthetic series run. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../../core/runs/store.ts';
import { makeModelRun } from '../../ui/testing/model-run.ts';
import { writeSyntheticRun } from '../../ui/testing/synthetic.ts';

let made: Promise<{ dir: string; store: RunStore }> | undefined;

/** A temp project with `runs/tiny` (3 batches of 4, methods vanilla-gradient and signed-grad) and `runs/series`. */
export function fixture(): Promise<{ dir: string; store: RunStore }> {
  made ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-ui-'));
    await makeModelRun(dir, 'tiny');
    const store = new RunStore(join(dir, 'runs'));
    writeSyntheticRun(store, {
      id: 'series',
      sampleShape: [20, 3],
      batchSize: 5,
      batches: 1,
      methods: [{ id: 'a', signed: false }, { id: 'b', signed: true }],
    });
    return { dir, store };
  })();
  return made;
}
