import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { attribute } from '../../../core/pipeline/attribute.ts';
import { initBackend } from '../../../core/engine/backend.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { Registry } from '../../../core/plugins/registry.ts';
import type { AttributionPlugin } from '../../../core/plugins/types.ts';
import { plugins } from '../../../plugins/index.ts';
import { smoothgrad } from '../../../plugins/attributions/smoothgrad.ts';
import { inputs, release, run, smallCnn } from './fixtures.ts';

const test = suite('attribution methods');
test.before(async () => {
  await initBackend();
});

const methods = plugins.filter((p): p is AttributionPlugin => p.kind === 'attribution');
/** Small settings so every method runs in milliseconds. */
const FAST: Record<string, Record<string, unknown>> = {
  smoothgrad: { samples: 3, seed: 1 },
  'smoothgrad-squared': { samples: 3, seed: 1 },
  vargrad: { samples: 3, seed: 1 },
  'integrated-gradients': { steps: 4 },
  occlusion: { window: 2 },
  rise: { masks: 20, seed: 1 },
};

test('every built-in method registers, declares its contract and parses empty options', () => {
  const registry = new Registry();
  for (const p of plugins) registry.register(p);
  assert.ok(methods.length >= 11, `${methods.length} methods`);
  for (const m of methods) {
    assert.is(registry.get('attribution', m.name), m);
    assert.ok(m.reference && m.needs.length > 0, m.name);
    assert.ok(m.options.safeParse({}).success, `${m.name} parses {}`);
    assert.not.ok(m.options.safeParse({ nonsense: 1 }).success, `${m.name} rejects unknown options`);
    assert.ok(m.cost, `${m.name} declares its cost`);
    const cost = m.cost!(m.options.parse({}), [28, 28, 1]);
    assert.ok(cost.forward >= 1 && cost.backward >= 0, m.name);
  }
});

test('every method returns a map of the input shape and leaves tf.memory().numTensors at its baseline', async () => {
  const model = smallCnn();
  const x = inputs(2, [8, 8, 2]);
  const before = tf.memory().numTensors;
  for (const method of methods) {
    const result = await attribute(model, x, { method, target: 'predicted', options: FAST[method.name] });
    assert.equal(result.maps.shape, [2, 8, 8], method.name);
    assert.ok(result.maps.dataSync().every(Number.isFinite), method.name);
    tf.dispose([result.maps, result.targets, ...Object.values(result.perSample)]);
    assert.is(tf.memory().numTensors, before, `${method.name} leaks`);
  }
  x.dispose();
  model.dispose();
});

test('smoothgrad peak tensor memory does not grow with samples when maxBatch is fixed', async () => {
  const model = smallCnn();
  const x = inputs(4, [8, 8, 2]);
  const peak = async (samples: number, maxBatch: number) =>
    (await tf.profile(async () => release(await run(smoothgrad, model, x, [0, 1, 2, 0], { samples, maxBatch }))))
      .peakBytes;
  const small = await peak(4, 8);
  const large = await peak(64, 8);
  assert.ok(large <= small * 1.1, `peak ${large} bytes at 64 samples vs ${small} at 4`);
  assert.ok((await peak(64, 256)) > 4 * large, 'the bound is what keeps the peak down');
  x.dispose();
  model.dispose();
});

test.run();
