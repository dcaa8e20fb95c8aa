import { resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { Command } from './types.ts';
import { positive } from './workers-flag.ts';

const USAGE = `gradlens worker --queue redis://HOST:PORT [--concurrency K] [--runs DIR]

Computes the batches of runs started with 'gradlens run --queue', on this machine, until stopped
(Ctrl-C or SIGTERM: the jobs in progress finish first). Start any number, on any machines that see
the runs directory at the same path. A worker loads each run's model once and keeps it while the
run lasts; a job whose worker died is taken up again by another after --lock-ms.

  --queue URL       the Redis the runs are queued on
  --concurrency K   jobs at once (default 1: in this process; more: one worker thread each)
  --runs DIR        the shared runs directory this worker serves (default ./runs)
  --lock-ms MS      how long a silent worker keeps its job before others take it (default 30000)
  --verbose         stack traces on errors`;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'compute queued runs (BullMQ on Redis) on this machine',
  usage: USAGE,
  async run({ argv, registry, stderr }) {
    const { values } = parseArgs({
      args: argv,
      options: {
        queue: { type: 'string' },
        concurrency: { type: 'string', default: '1' },
        runs: { type: 'string', default: 'runs' },
        'lock-ms': { type: 'string', default: '30000' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.queue) {
      throw new GradlensError('give the queue: gradlens worker --queue redis://HOST:PORT', { where: '--queue' });
    }
    const concurrency = positive(values.concurrency, '--concurrency');
    const lockMs = positive(values['lock-ms'], '--lock-ms');
    const [{ startQueueWorker }, { parseRedisUrl, redactUrl }] = await Promise.all([
      import('../queue/worker.ts'),
      import('../queue/connection.ts'),
    ]);
    parseRedisUrl(values.queue);
    const worker = await startQueueWorker({
      url: values.queue,
      registry: await registry(),
      runsDir: resolve(values.runs),
      concurrency,
      lockMs,
      onEvent: (text) => stderr(`gradlens worker: ${text}\n`),
    });
    stderr(`gradlens worker: waiting for runs on ${redactUrl(values.queue)} in ${resolve(values.runs)}\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        stderr('gradlens worker: stopping after the jobs in progress\n');
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await worker.close();
    return 0;
  },
};
