import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNative } from '../../core/engine/native/addon.ts';
import { NATIVE_KERNELS } from '../../core/engine/native/kernels.ts';
import { cliProcess } from '../helpers/cli.ts';

const test = suite('cli: gradlens engine');

test('names the backend and whether the native kernels are in use, with the reason when not', () => {
  const r = cliProcess(['engine', '--backend', 'wasm']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^backend: wasm \(@tensorflow\/tfjs-backend-wasm/m);
  const native = loadNative();
  const kernels = `${NATIVE_KERNELS.length} kernels`;
  if (native.addon) {
    assert.match(r.stdout, new RegExp(`native kernels: oneDNN \\d+\\.\\d+\\.\\d+ \\S+, ${kernels}, 1 thread`));
  } else assert.match(r.stdout, /native kernels: not in use: /);
});

test('GRADLENS_NATIVE=off says so; a bad GRADLENS_THREADS is a one-line error', () => {
  const off = cliProcess(['engine', '--backend', 'wasm'], undefined, { GRADLENS_NATIVE: 'off' });
  assert.is(off.code, 0, off.stderr);
  assert.match(off.stdout, /native kernels: not in use: disabled by GRADLENS_NATIVE=off/);
  const bad = cliProcess(['engine'], undefined, { GRADLENS_THREADS: 'two' });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /GRADLENS_THREADS: must be a whole number >= 1 \(oneDNN threads per engine\), got 'two'/);
  assert.not.match(bad.stderr, /\n\s+at /);
});

test.run();
