import { resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { RunConfigInput } from '../runs/config.ts';
import type { Manifest } from '../runs/manifest.ts';
import type { QueueStatus } from '../runs/queue-status.ts';
import { modelRef } from './model-ref.ts';
import { shardFlags } from './shard-flags.ts';
import { progressReporter } from './progress.ts';
import type { Command } from './types.ts';
import { positive, workersFlag } from './workers-flag.ts';

const USAGE = `gradlens run --config run.json [--resume] [options]
gradlens run --model PATH --inputs x.npy [--labels y.npy] --method NAME [...] [options]

Streams a dataset through a model and attribution methods; writes runs/<id>/.

  --config FILE        run config (JSON; see README "Run config"); paths in it resolve against its folder
  --resume             finish an incomplete run (--id, the config's id, or the latest incomplete one)
  --id ID              run id (default: from the time)
  --runs DIR           runs directory (default: the config's runsDir, else ./runs)
  --model PATH         model.json or a .js/.ts module (instead of a config)
  --model-plugin NAME  model plugin to use for --model
  --inputs FILE        .npy inputs (the npy dataset)      --labels FILE  .npy labels
  --method NAME        attribution method (repeatable; default vanilla-gradient)
  --target RULE        label, predicted or a class index
  --output NAME|INDEX  model output holding class scores
  --batch-size N       samples per batch (default 64)     --limit N  at most N samples
  --backend NAME       auto, tensorflow-gpu, tensorflow, wasm or cpu
  --plugin MODULE      register plugins from a module: a path (my-plugins.ts) or a package (repeatable)
  --workers N|auto     worker threads computing batches (default auto: one thread, and one per core
                       once the first batch shows the rest would take more than a few seconds)
  --shard I/N          compute only shard I (0-based) of N: a fixed block of the batches, into the
                       run --id names (every shard gives the same id and config); the last shard
                       to finish merges the manifest (else: gradlens merge --run ID)
  --shard-index-env VAR --shards N
                       the same, I read from the environment (JOB_COMPLETION_INDEX on Kubernetes)
  --queue URL          put the batches as jobs on a BullMQ queue on Redis (redis://HOST:PORT) for
                       'gradlens worker' processes, and follow them; the runs directory must be
                       shared with the workers, at the same path
  --batches-per-job N  batches in one queue job (default 1)
  --attempts N         tries per queue job before the run fails (default 3)
  --verbose            stack traces on errors

Paths on the command line resolve against the current directory.`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run models x methods over a dataset and write a run directory',
  usage: USAGE,
  async run({ argv, registry, stderr, stdout, isTTY }) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        resume: { type: 'boolean', default: false },
        id: { type: 'string' },
        runs: { type: 'string' },
        model: { type: 'string' },
        'model-plugin': { type: 'string' },
        inputs: { type: 'string' },
        labels: { type: 'string' },
        method: { type: 'string', multiple: true },
        target: { type: 'string' },
        output: { type: 'string' },
        'batch-size': { type: 'string' },
        limit: { type: 'string' },
        backend: { type: 'string' },
        plugin: { type: 'string', multiple: true },
        workers: { type: 'string' },
        shard: { type: 'string' },
        'shard-index-env': { type: 'string' },
        shards: { type: 'string' },
        queue: { type: 'string' },
        'batches-per-job': { type: 'string' },
        attempts: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const workers = workersFlag(values.workers);
    const shard = shardFlags(values);
    if (shard && values.resume) {
      throw new GradlensError('a shard resumes by itself: run the same shard command again, without --resume', {
        where: '--resume',
      });
    }
    // The work's modules load tfjs: imported only now, so `--help` stays fast.
    const [{ readRunConfig }, { parseTargetRule }, { describeBackend }, { runAttributions }, { RunStore }] =
      await Promise.all([
        import('../runs/config.ts'),
        import('../attribution/targets.ts'),
        import('../engine/backend.ts'),
        import('../runs/runner.ts'),
        import('../runs/store.ts'),
      ]);
    let config: RunConfigInput;
    let baseDir = process.cwd();
    if (values.config) {
      const read = readRunConfig(values.config);
      config = read.config;
      baseDir = read.baseDir;
    } else if (values.model && values.inputs) {
      config = {
        model: modelRef(values.model, values['model-plugin']),
        dataset: {
          plugin: 'npy',
          options: { x: resolve(values.inputs), ...(values.labels ? { y: resolve(values.labels) } : {}) },
        },
        methods: (values.method ?? ['vanilla-gradient']).map((plugin) => ({ plugin })),
      };
    } else {
      throw new GradlensError("give --config run.json, or --model and --inputs; see 'gradlens run --help'");
    }
    config = {
      ...config,
      ...(values.id ? { id: values.id } : {}),
      ...(values.runs ? { runsDir: resolve(values.runs) } : {}),
      ...(values.backend ? { backend: values.backend } : {}),
      ...(values.target ? { target: parseTargetRule(values.target) } : {}),
      ...(values.plugin ? { plugins: [...(config.plugins ?? []), ...values.plugin.map((p) => pluginPath(p))] } : {}),
    };
    if (values.output !== undefined) {
      config.model = { ...config.model, output: /^\d+$/.test(values.output) ? Number(values.output) : values.output };
    }
    if (values['batch-size'] || values.limit) {
      config.dataset = {
        ...config.dataset,
        ...(values['batch-size'] ? { batchSize: positive(values['batch-size'], '--batch-size') } : {}),
        ...(values.limit ? { limit: positive(values.limit, '--limit') } : {}),
      };
    }
    const report = (result: { dir: string; manifest: Manifest }): number => {
      const m = result.manifest;
      stdout(
        `run ${m.id}: ${m.status}, ${m.batches.length} batches, ${
          m.batches.reduce((n, b) => n + b.size, 0)
        } samples, methods ${m.methods.map((x) => x.id).join(', ')}\nmaps in ${result.dir}\n`,
      );
      return m.status === 'complete' ? 0 : 130;
    };
    const resume = values.resume
      ? findResumable(new RunStore(resolve(baseDir, config.runsDir ?? 'runs')), config, values.id)
      : undefined;
    if (resume) stderr(`gradlens: resuming run ${resume}\n`);

    // First Ctrl-C: finish the batch in progress and leave the run resumable. Second: stop now.
    const controller = new AbortController();
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(130);
      stderr('\ngradlens: stopping after the current batch (Ctrl-C again to stop now); resume with --resume\n');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      if (values.queue) {
        if (shard) throw new GradlensError('a run is sharded or queued, not both', { where: '--queue' });
        if (values.workers !== undefined) {
          throw new GradlensError(
            "a queued run is computed by 'gradlens worker' processes: give them --concurrency, not --workers here",
            { where: '--workers' },
          );
        }
        const { runQueued } = await import('../queue/coordinator.ts');
        const result = await runQueued(config, {
          registry: await registry(),
          baseDir,
          resume,
          url: values.queue,
          batchesPerJob: values['batches-per-job'] ? positive(values['batches-per-job'], '--batches-per-job') : 1,
          attempts: values.attempts ? positive(values.attempts, '--attempts') : 3,
          signal: controller.signal,
          onBackend: (b) => stderr(`gradlens: backend ${describeBackend(b)} (planning; workers compute)\n`),
          onStatus: queueReporter(stderr),
          onProgress: progressReporter(stderr, isTTY),
        });
        return report(result);
      }
      if (shard) {
        const { runShard } = await import('../runs/shard-runner.ts');
        const r = await runShard(config, {
          registry: await registry(),
          baseDir,
          shard,
          workers,
          signal: controller.signal,
          onBackend: (b) => stderr(`gradlens: backend ${describeBackend(b)}\n`),
          onWorkers: (n, why) => stderr(`gradlens: ${n} worker threads (${why})\n`),
          onProgress: progressReporter(stderr, isTTY),
        });
        const m = r.manifest;
        stdout(
          `run ${m.id} shard ${shard.index}/${shard.count}: ${
            r.range.end > r.range.start ? `batches ${r.range.start} to ${r.range.end - 1}` : 'no batches'
          }; run ${m.status}, ${m.batches.length}${
            m.plannedBatches === undefined ? '' : `/${m.plannedBatches}`
          } batches${r.merged ? ' (this shard merged the manifest)' : ''}\nmaps in ${r.dir}\n`,
        );
        return controller.signal.aborted ? 130 : m.status === 'failed' ? 1 : 0;
      }
      const result = await runAttributions(config, {
        registry: await registry(),
        baseDir,
        resume,
        workers,
        signal: controller.signal,
        onBackend: (b) => stderr(`gradlens: backend ${describeBackend(b)}\n`),
        onWorkers: (n, why) => stderr(`gradlens: ${n} worker threads (${why})\n`),
        onProgress: progressReporter(stderr, isTTY),
      });
      return report(result);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

/** A `--plugin` module: a path resolved against the current directory, or a package name as given. */
function pluginPath(specifier: string): string {
  return /^[./]/.test(specifier) || /\.[cm]?[jt]sx?$/.test(specifier) ? resolve(specifier) : specifier;
}

/** The run to resume: an explicit id, the config's id, else the newest incomplete run. */
function findResumable(
  store: { root: string; has(id: string): boolean; list(): { id: string; status: string }[] },
  config: RunConfigInput,
  id?: string,
): string {
  const wanted = id ?? config.id;
  if (wanted) {
    if (!store.has(wanted)) throw new GradlensError(`no run '${wanted}' in ${store.root}`, { where: '--resume' });
    return wanted;
  }
  const incomplete = store.list().find((r) => ['incomplete', 'failed', 'cancelled'].includes(r.status));
  if (!incomplete) throw new GradlensError(`no incomplete run in ${store.root} to resume`, { where: '--resume' });
  return incomplete.id;
}

/** Says when the number of workers attached to a queued run changes. */
function queueReporter(write: (text: string) => void): (status: QueueStatus) => void {
  let workers = -1;
  return (s) => {
    if (s.workers === workers || !s.open) return;
    workers = s.workers;
    const hint = workers === 0 ? ` (start some: gradlens worker --queue ${s.url} --runs DIR)` : '';
    write(`gradlens: ${workers} worker${workers === 1 ? '' : 's'} attached to queue ${s.queue}${hint}\n`);
  };
}
