import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ChannelReductionSchema, resolveConventions } from '../attribution/reduce.ts';
import { countClasses, resolveOutput } from '../attribution/scores.ts';
import { parseTargetRule } from '../attribution/targets.ts';
import { toLabels } from '../data/labels.ts';
import { describeBackend, initBackend } from '../engine/backend.ts';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { openNpy } from '../io/npy-file.ts';
import { NpyStreamWriter } from '../io/npy-writer.ts';
import { checkInputShape } from '../runs/checks.ts';
import { assertWritable } from './guard.ts';
import { modelRef } from './model-ref.ts';
import { parseOptionFlags } from './options.ts';
import type { Command } from './types.ts';
import { defaultWorkerCount, getDefaultRegistryModules, WorkerPool } from '../workers/pool.ts';
import { batchTensors, computeAttributeBatch } from '../workers/tasks.ts';

/** `--workers`, else the number of cores where workers can rebuild the registry, else 1. */
function workerCount(text: string | undefined): number {
  if (text === undefined) return getDefaultRegistryModules().length > 0 ? defaultWorkerCount() : 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new GradlensError(`expected a positive integer, got '${text}'`, { where: '--workers' });
  }
  return n;
}

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
  --plugin MODULE       register plugins from a module (repeatable)
  --workers N           worker threads computing batches (default: the number of cores; 1 = this thread)
  --out FILE            output .npy: float32 [N, H, W], or the input's shape with --reduce none
  --verbose             stack traces on errors`;

export const attributeCommand: Command = {
  name: 'attribute',
  summary: "compute one method's maps for an .npy of inputs, written as maps.npy",
  usage: USAGE,
  async run({ argv, registry, stderr }) {
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
    for (const module of values.plugin ?? []) await registry.registerModule(module);
    const method = registry.get('attribution', values.method!);
    const methodOptions = parseOptionFlags(values.option, method.options, `--option (method '${method.name}')`);

    const backend = await initBackend(values.backend);
    stderr(`gradlens: backend ${describeBackend(backend)}\n`);
    const ref = modelRef(values.model!, values['model-plugin']);
    const modelPlugin = registry.get('model', ref.plugin);
    const modelOptions = modelPlugin.options.safeParse(ref.options);
    if (!modelOptions.success) {
      throw new GradlensError(`invalid model options: ${describeZodIssues(modelOptions.error.issues)}`, {
        where: '--model',
      });
    }
    const model = await modelPlugin.load(modelOptions.data, { baseDir: resolve('.') });
    const inputs = openNpy(resolve(values.inputs!));
    let writer: NpyStreamWriter | undefined;
    try {
      const [n, ...sampleShape] = inputs.shape;
      if (inputs.shape.length < 2) {
        throw new GradlensError(`inputs must be [N, H, W, C] or [N, T, F]; got [${inputs.shape.join(', ')}]`, {
          where: inputs.path,
        });
      }
      checkInputShape(model.inputShape, sampleShape, inputs.path);
      const output = resolveOutput(model, values.output);
      const numClasses = countClasses(model, sampleShape, output);
      let labels: Int32Array | undefined;
      if (values.labels) {
        const file = openNpy(resolve(values.labels));
        try {
          labels = toLabels(file.readAll(), file.path, n);
        } finally {
          file.close();
        }
      }
      const conventions = resolveConventions(
        method,
        { abs: values.signed ? false : undefined, reduce: reduce?.data },
        inputs.shape.length,
      );
      const mapShape = conventions.reduce === 'none' ? sampleShape : sampleShape.slice(0, -1);
      writer = new NpyStreamWriter(outPath, [n, ...mapShape]);
      const spec = {
        options: methodOptions as Record<string, unknown>,
        target,
        output,
        abs: conventions.abs,
        reduce: conventions.reduce,
        inputsPath: inputs.path,
        labelsPath: values.labels,
        numClasses,
      };
      const batches = Math.ceil(n / batchSize);
      const workers = Math.min(workerCount(values.workers), Math.max(1, batches));
      const pool = workers > 1
        ? await WorkerPool.start(workers, {
          registryModules: getDefaultRegistryModules(),
          pluginModules: (values.plugin ?? []).map((specifier) => ({ specifier, baseDir: resolve('.') })),
          backend: values.backend,
          model: { plugin: modelPlugin.name, options: modelOptions.data, baseDir: resolve('.') },
        })
        : undefined;
      // Maps of batches in flight, oldest first; appended in order, at most two per worker held.
      const inFlight: { count: number; maps: Promise<Float32Array> }[] = [];
      let written = 0;
      const appendOldest = async () => {
        const job = inFlight.shift()!;
        writer!.append(await job.maps);
        written += job.count;
        stderr(`attribute: ${written}/${n} samples\n`);
      };
      try {
        for (let start = 0; start < n; start += batchSize) {
          const count = Math.min(batchSize, n - start);
          const data = {
            ids: Array.from({ length: count }, (_, i) => `row ${start + i}`),
            x: inputs.readRows(start, count),
            shape: [count, ...sampleShape],
            y: labels ? labels.slice(start, start + count) : undefined,
          };
          if (pool) {
            const maps = pool.attributeBatch(data, { ...spec, method: method.name });
            maps.catch(() => {});
            inFlight.push({ count, maps });
          } else {
            const { x, y } = batchTensors(data);
            try {
              inFlight.push({
                count,
                maps: Promise.resolve(await computeAttributeBatch(model, x, y, data.ids, { ...spec, method })),
              });
            } finally {
              x.dispose();
              y?.dispose();
            }
          }
          while (inFlight.length > 0 && (!pool || inFlight.length >= 2 * pool.size)) await appendOldest();
        }
        while (inFlight.length > 0) await appendOldest();
      } finally {
        await pool?.close();
      }
      writer.commit();
      writer = undefined;
      stderr(`gradlens: wrote ${outPath} [${[n, ...mapShape].join(', ')}] float32\n`);
      return 0;
    } finally {
      writer?.abort();
      inputs.close();
      model.dispose();
    }
  },
};
