import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GradlensError } from '../errors/errors.ts';
import type { PlanRequest } from '../pipeline/plan.ts';
import { assertWritable } from './guard.ts';
import { modelRef } from './model-ref.ts';
import type { Command } from './types.ts';
import { workersFlag } from './workers-flag.ts';

const USAGE = `gradlens attribute --model PATH/model.json --inputs x.npy --out maps.npy [options]

Computes one method's attribution maps for every input and writes them as one .npy file.

  --model PATH          model.json of a tfjs LayersModel or GraphModel, or a .ts/.js module
  --model-plugin NAME   model plugin to use instead of the one chosen from PATH
  --inputs FILE         float32 inputs [N, H, W, C] (or [N, T, F]); other numeric dtypes converted
  --labels FILE         integer labels [N] (int32, int64, uint8; integral floats accepted)
  --method NAME         attribution method (default vanilla-gradient)
  --target RULE         label (default with labels), predicted (default without), or a class index
  --output NAME|INDEX   the model output holding class scores (default: the first)
  --reduce R            channel reduction: max (default), sum, l2 or none (keeps the input's shape)
  --signed              keep the gradient's sign (no absolute value)
  --option KEY=VALUE    a method option by its schema name (repeatable)
  --batch-size N        samples per batch (default 64); memory does not grow with N
  --backend NAME        auto (default), tensorflow-gpu, tensorflow, wasm or cpu
  --plugin MODULE       register plugins from a module: a path (my-plugins.ts) or a package (repeatable)
  --workers N|auto      worker threads computing batches (default auto: one thread, and one per core
                        once the first batch shows the rest would take more than a few seconds)
  --out FILE            output .npy: float32 [N, H, W], or the input's shape with --reduce none
  --verbose             stack traces on errors

Paths resolve against the current directory.`;

export const attributeCommand: Command = {
  name: 'attribute',
  summary: "compute one method's maps for an .npy of inputs, written as maps.npy",
  usage: USAGE,
  async run({ argv, registry: loadRegistry, stderr }) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        'model-plugin': { type: 'string' },
        inputs: { type: 'string' },
        labels: { type: 'string' },
        method: { type: 'string', default: 'vanilla-gradient' },
        target: { type: 'string' },
        output: { type: 'string' },
        reduce: { type: 'string' },
        signed: { type: 'boolean', default: false },
        option: { type: 'string', multiple: true },
        'batch-size': { type: 'string', default: '64' },
        backend: { type: 'string' },
        plugin: { type: 'string', multiple: true },
        workers: { type: 'string' },
        out: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    for (const flag of ['model', 'inputs', 'out'] as const) {
      if (!values[flag]) throw new GradlensError(`missing --${flag}; see 'gradlens attribute --help'`);
    }
    const workers = workersFlag(values.workers);
    // The work's modules load tfjs: imported only now, so `--help` stays fast.
    const [
      { ChannelReductionSchema },
      { parseTargetRule },
      { describeBackend, initBackend },
      { NpyStreamWriter },
      { computeBatches },
      { openRun },
      { startComputer },
      { optionFlags },
    ] = await Promise.all([
      import('../attribution/reduce.ts'),
      import('../attribution/targets.ts'),
      import('../engine/backend.ts'),
      import('../io/npy-writer.ts'),
      import('../pipeline/loop.ts'),
      import('../pipeline/plan.ts'),
      import('../workers/computer.ts'),
      import('./options.ts'),
    ]);
    const reduce = values.reduce === undefined ? undefined : ChannelReductionSchema.safeParse(values.reduce);
    if (reduce && !reduce.success) {
      throw new GradlensError(`expected max, sum, l2 or none, got '${values.reduce}'`, { where: '--reduce' });
    }
    const batchSize = Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new GradlensError(`expected a positive integer, got '${values['batch-size']}'`, { where: '--batch-size' });
    }
    const target = values.target === undefined ? undefined : parseTargetRule(values.target);
    const outPath = assertWritable(values.out!, '--out');
    const baseDir = resolve('.');
    const registry = await loadRegistry();
    for (const module of values.plugin ?? []) await registry.registerModule(module, baseDir);
    const method = registry.get('attribution', values.method!);

    // A run over the .npy inputs whose maps stream to --out: the same plan and batch computation
    // as `gradlens run`, with one method and a sink that appends maps.
    const request: PlanRequest = {
      model: { ...modelRef(values.model!, values['model-plugin']), output: values.output },
      dataset: {
        plugin: 'npy',
        options: { x: resolve(values.inputs!), ...(values.labels ? { y: resolve(values.labels) } : {}) },
      },
      methods: [{
        plugin: method.name,
        options: optionFlags(values.option, method.options),
        abs: values.signed ? false : undefined,
        reduce: reduce?.data,
      }],
      target,
    };
    const backend = await initBackend(values.backend);
    stderr(`gradlens: backend ${describeBackend(backend)}\n`);
    const opened = await openRun(request, { registry, baseDir });
    const planned = opened.plan.methods[0];
    // The options as used, seeds drawn included: what repeats these maps exactly.
    stderr(`gradlens: ${planned.plugin} ${JSON.stringify(planned.options)}\n`);
    let writer: InstanceType<typeof NpyStreamWriter> | undefined;
    try {
      const n = opened.dataset.size!;
      const shape = [n, ...opened.plan.methods[0].mapShape];
      writer = new NpyStreamWriter(outPath, shape);
      const out = writer;
      const batches = Math.max(1, Math.ceil(n / batchSize));
      const computer = await startComputer(opened.plan, opened.bound, {
        workers: workers === 'auto' ? 'auto' : Math.min(workers, batches),
        batches,
        onWorkers: (count, why) => stderr(`gradlens: ${count} worker threads (${why})\n`),
        pluginModules: (values.plugin ?? []).map((specifier) => ({ specifier, baseDir })),
        backend: values.backend,
      });
      let written = 0;
      try {
        await computeBatches(opened.dataset, computer, {
          write(_index, data, result) {
            out.append(result.methods[0].map.values);
            written += data.ids.length;
            stderr(`attribute: ${written}/${n} samples\n`);
          },
        }, { batchSize });
      } finally {
        await computer.close();
      }
      writer.commit();
      writer = undefined;
      stderr(`gradlens: wrote ${outPath} [${shape.join(', ')}] float32\n`);
      return 0;
    } finally {
      writer?.abort();
      opened.close();
    }
  },
};
