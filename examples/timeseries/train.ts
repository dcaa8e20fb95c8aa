/**
 * Trains the timeseries example: classify a day's weather in Seattle (sun, rain, other) from the
 * 14 days ending on it, on 2012-2014, and test on 2015. Prints the test accuracy; writes `model/`
 * (with the standardisation statistics in its metadata) and `data/test-{x,y}.npy`, the 2015
 * windows `[N, 14, 4]` already standardised, as the model expects them.
 *
 *   npx tsx examples/timeseries/train.ts [--epochs 40] [--seed 4]
 *
 * Reads vega-datasets' seattle-weather.csv (a devDependency); takes under a minute.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { encodeNpy } from '../../core/io/npy.ts';
import { saveModel } from '../fashion-mnist/save.ts';
import { registerWasmConvFilterGrad } from '../fashion-mnist/wasm-conv-grad.ts';
import { buildSeriesCnn } from './model.ts';
import { FEATURES, featureStats, readSeattleWeather, WEATHER_CLASSES, WINDOW, windows } from './weather.ts';

const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const { values } = parseArgs({
  options: { epochs: { type: 'string', default: '40' }, seed: { type: 'string', default: '4' } },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

await initBackend('wasm');
registerWasmConvFilterGrad();
const days = readSeattleWeather();
const firstTest = days.findIndex((d) => d.date >= '2015-01-01');
const stats = featureStats(days.slice(0, firstTest));
const train = windows(days.slice(0, firstTest), stats);
// Test windows end in 2015; their first days reach back into 2014.
const test = windows(days.slice(firstTest - WINDOW + 1), stats);

const shape = (n: number) => [n, WINDOW, FEATURES.length];
const model = buildSeriesCnn(seed);
model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });
const xs = tf.tensor3d(train.x, shape(train.n) as [number, number, number]);
const ys = tf.oneHot(tf.tensor1d(train.y, 'int32'), WEATHER_CLASSES.length).toFloat();
await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: true, verbose: 0 });
const predicted = tf.tidy(() =>
  (model.predict(tf.tensor3d(test.x, shape(test.n) as [number, number, number])) as tf.Tensor).argMax(1).dataSync()
);
const testAccuracy = predicted.filter((p, i) => p === test.y[i]).length / test.n;
const majority = test.y.filter((c) => c === 0).length / test.n;
console.log(
  `test accuracy (2015, ${test.n} days): ${(testAccuracy * 100).toFixed(1)}% ` +
    `(always 'sun': ${(majority * 100).toFixed(1)}%)`,
);
await saveModel(model, join(here, 'model'), {
  classNames: WEATHER_CLASSES,
  features: FEATURES,
  window: WINDOW,
  standardisation: stats,
  testAccuracy,
  trainedBy: 'examples/timeseries/train.ts',
  epochs,
  seed,
});
mkdirSync(join(here, 'data'), { recursive: true });
writeFileSync(join(here, 'data', 'test-x.npy'), encodeNpy(test.x, shape(test.n)));
writeFileSync(join(here, 'data', 'test-y.npy'), encodeNpy(test.y, [test.n]));
writeFileSync(join(here, 'data', 'test-dates.json'), JSON.stringify(test.ids));
console.log(`wrote ${join(here, 'model')} and ${join(here, 'data')}`);
