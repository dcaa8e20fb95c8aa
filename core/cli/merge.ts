import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { Command } from './types.ts';

const USAGE = `gradlens merge --run ID [--runs DIR]

Writes a sharded run's manifest from its shards' progress records (runs/<id>/shards/). The last
shard to finish does this by itself; run it when that shard was lost, or to see what is missing.
Exits 0 when every shard has completed, 1 otherwise (naming the shards to rerun).

  --run ID     the run
  --runs DIR   runs directory (default ./runs)`;

export const mergeCommand: Command = {
  name: 'merge',
  summary: "merge a sharded run's progress into its manifest",
  usage: USAGE,
  async run({ argv, stdout }) {
    const { values } = parseArgs({
      args: argv,
      options: { run: { type: 'string' }, runs: { type: 'string', default: 'runs' }, verbose: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    if (!values.run) throw new GradlensError("give the run's id: gradlens merge --run ID", { where: '--run' });
    const [{ RunStore }, { mergeRun, unfinishedShards }] = await Promise.all([
      import('../runs/store.ts'),
      import('../runs/shard-runner.ts'),
    ]);
    const store = new RunStore(resolve(values.runs));
    if (!store.has(values.run)) throw new GradlensError(`no run '${values.run}' in ${store.root}`, { where: '--run' });
    const m = mergeRun(store, values.run);
    const count = `${m.batches.length}${m.plannedBatches === undefined ? '' : `/${m.plannedBatches}`} batches`;
    if (m.status === 'complete') {
      stdout(`run ${m.id}: complete, ${count}; manifest merged\n`);
      return 0;
    }
    const missing = unfinishedShards(store, values.run);
    stdout(
      `run ${m.id}: ${m.status}, ${count}; shards not complete: ${missing.join(', ')} of ${m.shards?.count}${
        m.error ? ` (${m.error})` : ''
      }\nrerun them with the same command and --shard INDEX/${m.shards?.count}\n`,
    );
    return 1;
  },
};
