import { resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { RunConfigInput } from '../runs/config.ts';
import { modelRef } from './model-ref.ts';
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
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const workers = workersFlag(values.workers);
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
      const m = result.manifest;
      stdout(
        `run ${m.id}: ${m.status}, ${m.batches.length} batches, ${
          m.batches.reduce((n, b) => n + b.size, 0)
        } samples, methods ${m.methods.map((x) => x.id).join(', ')}\nmaps in ${result.dir}\n`,
      );
      return m.status === 'complete' ? 0 : 130;
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
