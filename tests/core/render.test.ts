import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { colorize, grey, hot } from '../../core/render/colormap.ts';
import { tileGrid } from '../../core/render/tiles.ts';

const test = suite('render');

test('hot runs black, red, yellow, white', () => {
  assert.equal(hot(0), [0, 0, 0]);
  assert.equal(hot(1 / 3), [255, 0, 0]);
  assert.equal(hot(2 / 3), [255, 255, 0]);
  assert.equal(hot(1), [255, 255, 255]);
  assert.equal(hot(2), [255, 255, 255], 'clipped above 1');
});

test('colorize scales to the given or observed range; NaN stays transparent', () => {
  const rgba = colorize([2, 4, NaN], grey);
  assert.equal([...rgba], [0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
  const fixed = colorize([2], grey, { min: 0, max: 4 });
  assert.equal([...fixed.subarray(0, 3)], [128, 128, 128]);
});

test('tileGrid magnifies tiles and places them with gaps', () => {
  const red = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) };
  const blue = { width: 2, height: 1, data: new Uint8Array([0, 0, 255, 255, 0, 0, 254, 255]) };
  const grid = tileGrid([[red, blue]], { scale: 2, gap: 1 });
  assert.is(grid.width, 2 + 1 + 4);
  assert.is(grid.height, 2);
  const px = (x: number, y: number) => [...grid.data.subarray((y * grid.width + x) * 4, (y * grid.width + x) * 4 + 4)];
  assert.equal(px(1, 1), [255, 0, 0, 255]);
  assert.equal(px(2, 0), [0, 0, 0, 0], 'gap is transparent');
  assert.equal(px(6, 1), [0, 0, 254, 255]);
});

test.run();
