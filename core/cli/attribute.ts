import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attribute } from '../attribution/attribute.ts';
import { ChannelReductionSchema, resolveConventions } from '../attribution/reduce.ts';
import { countClasses, resolveOutput } from '../attribution/scores.ts';
import { parseTargetRule } from '../attribution/targets.ts';
import { toLabels } from '../data/labels.ts';
import { describeBackend, initBackend } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { describeZodIssues, GradlensError } from '../errors.ts';
import { openNpy } from '../io/npy-file.ts';
import { NpyStreamWriter } from '../io/npy-writer.ts';
import { checkFinite, checkInputShape, checkTargets } from '../runs/checks.ts';
import { assertWritable } from './guard.ts';
import { modelRef } from './model-ref.ts';
import { parseOptionFlags } from './options.ts';
import type { Command } from './types.ts';

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
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const ids = Array.from({ length: count }, (_, i) => `row ${start + i}`);
        const x = tf.tensor(inputs.readRows(start, count), [count, ...sampleShape], 'float32');
        const y = labels ? tf.tensor1d(labels.subarray(start, start + count), 'int32') : undefined;
        try {
          await checkFinite(x, ids, `inputs (${inputs.path})`);
          if (y) await checkTargets(y, ids, numClasses, `labels (${values.labels})`);
          const result = await attribute(model, x, {
            method,
            labels: y,
            target,
            output,
            options: methodOptions as Record<string, unknown>,
            ...conventions,
          });
          writer.append((await result.maps.data()) as Float32Array);
          result.maps.dispose();
          result.targets.dispose();
          for (const t of Object.values(result.perSample)) t.dispose();
        } finally {
          x.dispose();
          y?.dispose();
        }
        stderr(`attribute: ${start + count}/${n} samples\n`);
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
