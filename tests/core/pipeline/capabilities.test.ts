import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { defineModel } from '../../../core/models/define.ts';
import { attribute } from '../../../core/pipeline/attribute.ts';
import { modelCapabilities } from '../../../core/pipeline/capabilities.ts';
import { unmetNeeds } from '../../../core/pipeline/needs.ts';
import { runAttributions } from '../../../core/runs/runner.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { cli } from '../../helpers/cli.ts';
import {
  builtinRegistry,
  saveLayersModel,
  seeded,
  setSeededWeights,
  tempDir,
  writeNpy,
} from '../../helpers/fixtures.ts';

const test = suite('capabilities: methods a model cannot serve are refused before a run starts');
let dir = '';
let dense = '';
let x = '';

/** A model with no layer of spatial output: Grad-CAM has nothing to read. */
function denseNet(): tf.Sequential {
  const net = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [6, 6, 1] }), tf.layers.dense({ units: 3 })],
  });
  setSeededWeights(net, 3);
  return net;
}

test.before(async () => {
  await initBackend();
  dir = tempDir();
  const net = denseNet();
  dense = await saveLayersModel(net, join(dir, 'dense'));
  net.dispose();
  x = writeNpy(join(dir, 'x.npy'), seeded(4 * 36, 2), [4, 6, 6, 1]);
});

test('capabilities say what a model offers and why not', () => {
  const net = denseNet();
  const caps = modelCapabilities(
    { ...defineModel({ inputShape: [6, 6, 1], predict: (t) => net.predict(t) as tf.Tensor }) },
    [6, 6, 1],
    'output',
  );
  assert.ok(caps.gradients.ok);
  assert.not.ok(caps.layer.ok);
  assert.match(caps.layer.reason ?? '', /no named layers/);
  assert.equal(unmetNeeds(['gradients'], caps), []);
  assert.match(unmetNeeds(['gradients', 'layer'], caps)[0], /needs a layer with a spatial \[H, W, C\] output, but/);
  const frozen = defineModel({
    inputShape: [6, 6, 1],
    predict: (t) => net.predict(t) as tf.Tensor,
    differentiable: false,
  });
  const none = modelCapabilities(frozen, [6, 6, 1], 'output');
  assert.not.ok(none.gradients.ok);
  assert.match(unmetNeeds(['gradients'], none)[0], /differentiable: false/);
  assert.equal(unmetNeeds(['forward-only'], none), []);
  // Weights a metric may randomise: a code-defined model exposes none.
  assert.not.ok(caps.weights?.ok);
  assert.match(caps.weights?.reason ?? '', /no weighted layers/);
  net.dispose();
});

test('a run with grad-cam on a model without a spatial layer is refused up front; nothing is written', async () => {
  const runs = join(dir, 'runs');
  const config = (methods: { plugin: string }[]) => ({
    id: 'cam',
    runsDir: runs,
    model: { plugin: 'layers-model', options: { path: dense } },
    dataset: { plugin: 'npy', options: { x }, batchSize: 2 },
    methods,
  });
  try {
    await runAttributions(config([{ plugin: 'vanilla-gradient' }, { plugin: 'grad-cam' }]), {
      registry: builtinRegistry(),
    });
    assert.unreachable('grad-cam should be refused');
  } catch (error) {
    assert.match(
      (error as Error).message,
      /methods\[1\] \(grad-cam\): 'grad-cam' cannot explain this model: it needs a layer with a spatial \[H, W, C\] output, but no layer has a spatial/,
    );
  }
  assert.not.ok(existsSync(join(runs, 'cam')), 'no run directory for a refused run');
  const ok = await runAttributions(config([{ plugin: 'vanilla-gradient' }, { plugin: 'occlusion' }]), {
    registry: builtinRegistry(),
  });
  assert.is(ok.manifest.status, 'complete');
});

test('the CLI refuses with the reason and exit code 2', async () => {
  const out = join(dir, 'cam.npy');
  const r = await cli('attribute', '--model', dense, '--inputs', x, '--method', 'guided-grad-cam', '--out', out);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /'guided-grad-cam' cannot explain this model: it needs a layer/);
  assert.not.ok(existsSync(out));
  const layer = await cli('attribute', '--model', dense, '--inputs', x, '--method', 'vanilla-gradient', '--out', out);
  assert.is(layer.code, 0, layer.stderr);
});

test('a named layer that does not exist is refused by the method before any batch', async () => {
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, name: 'conv' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });
  setSeededWeights(conv, 5);
  const path = await saveLayersModel(conv, join(dir, 'conv'));
  const r = await cli(
    'attribute',
    '--model',
    path,
    '--inputs',
    x,
    '--method',
    'grad-cam',
    '--option',
    'layer=nope',
    '--out',
    join(dir, 'nope.npy'),
  );
  assert.is(r.code, 2);
  assert.match(r.stderr, /'grad-cam' does not fit this model: .*no layer named 'nope'/);
  const t = tf.tensor(seeded(2 * 36, 9), [2, 6, 6, 1]);
  const result = await attribute(conv, t, { method: 'grad-cam', registry: builtinRegistry() });
  assert.equal(result.maps.shape, [2, 6, 6], 'the default layer fits');
  tf.dispose([t, result.maps, result.targets]);
  conv.dispose();
});

test('a non-differentiable model gets forward-only methods and a reason for the rest', async () => {
  const net = denseNet();
  const frozen = defineModel({
    inputShape: [6, 6, 1],
    predict: (t) => net.predict(t) as tf.Tensor,
    differentiable: false,
  });
  const t = tf.tensor(seeded(2 * 36, 9), [2, 6, 6, 1]);
  const before = tf.memory().numTensors;
  try {
    await attribute(frozen, t, { method: 'smoothgrad', registry: builtinRegistry() });
    assert.unreachable('smoothgrad needs gradients');
  } catch (error) {
    assert.match((error as Error).message, /'smoothgrad' cannot explain this model: it needs gradients/);
  }
  const occ = await attribute(frozen, t, { method: 'occlusion', registry: builtinRegistry(), options: { window: 2 } });
  assert.equal(occ.maps.shape, [2, 6, 6]);
  tf.dispose([occ.maps, occ.targets]);
  assert.is(tf.memory().numTensors, before, 'no tensor left behind');
  t.dispose();
  net.dispose();
});

test('wrappers refuse a base that does not need gradients, and name unknown ones', async () => {
  const t = tf.tensor(seeded(2 * 36, 9), [2, 6, 6, 1]);
  const net = denseNet();
  for (
    const [base, message] of [
      ['occlusion', /'smoothgrad' wraps methods that need gradients; 'occlusion' needs forward-only/],
      ['magic', /unknown attribution plugin 'magic'; known: .*integrated-gradients/],
    ] as const
  ) {
    try {
      await attribute(net, t, { method: 'smoothgrad', registry: builtinRegistry(), options: { base } });
      assert.unreachable(`base ${base} should be refused`);
    } catch (error) {
      assert.match((error as Error).message, message);
      assert.match((error as Error).message, /method 'smoothgrad'\.base/);
    }
  }
  t.dispose();
  net.dispose();
});

test.run();
