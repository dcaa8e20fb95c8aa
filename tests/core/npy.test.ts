import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeNpy, parseNpy } from '../../core/io/npy.ts';
import { isUserError } from '../../core/errors/errors.ts';

const test = suite('npy');

test('float32 round trip keeps shape and values', () => {
  const data = new Float32Array([1.5, -2, 3, 4, 5, 6]);
  const parsed = parseNpy(encodeNpy(data, [2, 3]));
  assert.equal(parsed.shape, [2, 3]);
  assert.is(parsed.dtype, '<f4');
  assert.equal(Array.from(parsed.data as Float32Array), Array.from(data));
});

test('header is padded to 64 bytes as numpy requires', () => {
  const bytes = encodeNpy(new Int32Array([1, 2, 3]), [3]);
  const headerLength = bytes[8] | (bytes[9] << 8);
  assert.is((10 + headerLength) % 64, 0);
});

test('rejects a file without the magic bytes, naming the source', () => {
  try {
    parseNpy(new Uint8Array(20), 'x.npy');
    assert.unreachable();
  } catch (error) {
    assert.ok(isUserError(error));
    assert.match((error as Error).message, /x\.npy: not a \.npy file/);
  }
});

test.run();
