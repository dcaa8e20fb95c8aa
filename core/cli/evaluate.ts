import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { Command } from './types.ts';
import { workersFlag } from './workers-flag.ts';

const USAGE = `gradlens evaluate --run ID --metric NAME [--option KEY=VALUE ...] [options]

Evaluates metrics (docs/metrics.md) on a finished run's stored maps; writes each batch's values
and curves beside its maps (runs/<id>/batches/<n>/metrics/<method>.<metric>.npy) and records
the metric, its options and seed in the manifest. Evaluating a metric again replaces it.

  --run ID             the run to evaluate
  --runs DIR           runs directory (default ./runs)
  --metric NAME        a metric (repeatable; see 'gradlens plugins')
  --option KEY=VALUE   an option of the metric by its schema name (repeatable; one --metric only)
  --id ID              the metric's id in the run (default: its name; one --metric only)
  --method ID          judge only this method of the run (repeatable; default: all)
  --workers N          worker threads (default 1); values do not depend on it
  --plugin MODULE      register metric plugins from a module (repeatable)
  --verbose            stack traces on errors`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "judge a finished run's maps with metrics (faithfulness, sanity checks, ...)",
  usage: USAGE,
  async run({ argv, registry: loadRegistry, stdout, stderr }) {
    const { values } = parseArgs({
      args: argv,
      options: {
        run: { type: 'string' },
        runs: { type: 'string', default: 'runs' },
        metric: { type: 'string', multiple: true },
        option: { type: 'string', multiple: true },
        id: { type: 'string' },
        method: { type: 'string', multiple: true },
        workers: { type: 'string' },
        plugin: { type: 'string', multiple: true },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.run) throw new GradlensError("missing --run ID; see 'gradlens evaluate --help'");
    const names = values.metric ?? [];
    if (names.length === 0) throw new GradlensError("missing --metric NAME; 'gradlens plugins' lists the metrics");
    if (names.length > 1 && (values.option?.length || values.id)) {
      throw new GradlensError('--option and --id apply to one metric: give one --metric with them', {
        where: '--option',
      });
    }
    const workers = workersFlag(values.workers ?? '1');
    const [{ optionFlags }, { evaluateRun }, { RunStore }, { summariseMetric }] = await Promise.all([
      import('./options.ts'),
      import('../runs/evaluate.ts'),
      import('../runs/store.ts'),
      import('../runs/metric-summary.ts'),
    ]);
    const registry = await loadRegistry();
    for (const module of values.plugin ?? []) await registry.registerModule(resolve(module));
    const metrics = names.map((name) => {
      const plugin = registry.get('metric', name);
      return {
        plugin: name,
        options: optionFlags(values.option, plugin.options),
        ...(values.id ? { id: values.id } : {}),
        ...(values.method ? { methods: values.method } : {}),
      };
    });
    const store = new RunStore(resolve(values.runs));
    const manifest = await evaluateRun(store, values.run, metrics, {
      registry,
      workers: workers === 'auto' ? undefined : workers,
      onProgress: (done, total) => stderr(`\rgradlens: evaluated ${done}/${total} batches`),
    });
    stderr('\n');
    for (const record of manifest.metrics ?? []) {
      if (!metrics.some((m, i) => (m.id ?? names[i]) === record.id)) continue;
      const means = summariseMetric(store, manifest, record).map((s) =>
        `${s.method} ${s.mean.toPrecision(4)} [${s.low.toPrecision(4)}, ${s.high.toPrecision(4)}]`
      );
      const direction = record.higherIsBetter ? 'higher' : 'lower';
      stdout(`${record.id} (${direction} is better), mean and 95% interval: ${means.join(', ')}\n`);
    }
    stdout(`values in ${store.path(manifest.id)}/batches/*/metrics/\n`);
    return 0;
  },
};
