import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { disposeBatch } from '../../core/data/batches.ts';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { encodePng } from '../../core/io/images.ts';
import type { Batch, DatasetPlugin, OpenedDataset } from '../../core/plugins/types.ts';
import { idxDataset, imageFolderDataset, npyDataset } from '../../plugins/index.ts';
import { seeded, tempDir, writeNpy } from '../helpers/fixtures.ts';

const test = suite('dataset plugins: npy, idx, image-folder');
let dir = '';

test.before(async () => {
  await initBackend();
  dir = tempDir();
});

async function open<O>(plugin: DatasetPlugin<O>, options: unknown): Promise<OpenedDataset> {
  return await plugin.open(plugin.options.parse(options), { baseDir: dir });
}

async function collect(ds: OpenedDataset, batchSize: number, extra: { limit?: number; skipBatches?: number } = {}) {
  const out: { x: number[][]; shape: number[]; y?: number[]; ids: string[]; extra: string[] }[] = [];
  for await (const b of ds.batches({ batchSize, ...extra }) as AsyncIterable<Batch>) {
    out.push({
      x: (b.x.arraySync() as number[][]).map((r) => (r as unknown as number[]).flat(3) as number[]),
      shape: b.x.shape,
      y: b.y ? Array.from(b.y.dataSync()) : undefined,
      ids: b.ids,
      extra: Object.keys(b.extra ?? {}),
    });
    disposeBatch(b);
  }
  return out;
}

function idx(type: number, shape: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  const view = new DataView(header.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

test('npy: [N, T, F] inputs, labels, extra arrays, limit and skipped batches, without leaking tensors', async () => {
  writeNpy(join(dir, 'seq.npy'), seeded(10 * 6 * 2), [10, 6, 2]);
  writeNpy(join(dir, 'seq-y.npy'), new BigInt64Array(Array.from({ length: 10 }, (_, i) => BigInt(i % 3))), [10]);
  writeNpy(join(dir, 'mask.npy'), new Uint8Array(10 * 6), [10, 6]);
  const before = tf.memory().numTensors;
  const ds = await open(npyDataset, { x: 'seq.npy', y: 'seq-y.npy', extra: { mask: 'mask.npy' } });
  assert.equal(ds.sampleShape, [6, 2]);
  const all = await collect(ds, 4);
  assert.equal(all.map((b) => b.shape), [[4, 6, 2], [4, 6, 2], [2, 6, 2]]);
  assert.equal(all.flatMap((b) => b.y), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  assert.equal(all[0].extra, ['mask']);
  const skipped = await collect(ds, 4, { skipBatches: 1, limit: 7 });
  assert.equal(skipped.flatMap((b) => b.ids), ['4', '5', '6']);
  ds.close?.();
  assert.is(tf.memory().numTensors, before);
});

test('idx: gzipped and plain files, scaled to [0, 1], images gain a channel axis', async () => {
  const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 17) % 256);
  const labels = Uint8Array.from([3, 1, 4, 1, 5]);
  mkdirSync(join(dir, 'fm'), { recursive: true });
  writeFileSync(join(dir, 'fm/t10k-images-idx3-ubyte.gz'), gzipSync(idx(0x08, [5, 4, 3], pixels)));
  writeFileSync(join(dir, 'fm/t10k-labels-idx1-ubyte'), idx(0x08, [5], labels));
  const ds = await open(idxDataset, { dir: 'fm' });
  assert.equal(ds.sampleShape, [4, 3, 1]);
  const [batch] = await collect(ds, 8);
  assert.equal(batch.y, [3, 1, 4, 1, 5]);
  assert.ok(Math.abs(batch.x[1][0] - pixels[12] / 255) < 1e-6);
  try {
    await open(idxDataset, { dir: 'nowhere' });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /nowhere: no 't10k-images-idx3-ubyte' .* dataset-fashion-mnist/);
  }
});

test("idx: the real Fashion-MNIST test set when Debian's package is installed", async () => {
  let ds: OpenedDataset;
  try {
    ds = await open(idxDataset, {});
  } catch {
    console.log('  (dataset-fashion-mnist not installed: only the synthetic IDX test ran)');
    return;
  }
  assert.is(ds.size, 10000);
  const [batch] = await collect(ds, 16, { limit: 16 });
  assert.equal(batch.shape, [16, 28, 28, 1]);
  assert.equal(batch.y, [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1]);
});

test('image-folder: PNG and JPEG in class folders, greyscale or RGB, resized on request', async () => {
  const root = join(dir, 'images');
  for (const [cls, value] of [['cats', 200], ['dogs', 40]] as const) {
    mkdirSync(join(root, cls), { recursive: true });
    const rgba = new Uint8Array(6 * 4 * 4).fill(value);
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    writeFileSync(join(root, cls, 'a.png'), encodePng({ width: 6, height: 4, data: rgba }));
    writeFileSync(join(root, cls, 'b.jpg'), jpeg.encode({ width: 6, height: 4, data: rgba }, 95).data);
  }
  const ds = await open(imageFolderDataset, { dir: 'images' });
  assert.equal(ds.classNames, ['cats', 'dogs']);
  assert.equal(ds.sampleShape, [4, 6, 3]);
  const [batch] = await collect(ds, 10);
  assert.equal(batch.y, [0, 0, 1, 1]);
  assert.equal(batch.ids, ['cats/a.png', 'cats/b.jpg', 'dogs/a.png', 'dogs/b.jpg']);
  assert.ok(Math.abs(batch.x[0][0] - 200 / 255) < 1e-6, 'PNG pixels exact');
  assert.ok(Math.abs(batch.x[1][0] - 200 / 255) < 0.03, 'JPEG pixels close');
  const grey = await open(imageFolderDataset, { dir: 'images', channels: 1, size: [8, 12] });
  const [small] = await collect(grey, 10);
  assert.equal(small.shape, [4, 8, 12, 1]);
  writeFileSync(join(root, 'dogs', 'c.png'), encodePng({ width: 3, height: 3, data: new Uint8Array(36).fill(255) }));
  const mixed = await open(imageFolderDataset, { dir: 'images' });
  try {
    await collect(mixed, 10);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /c\.png: image is 3x3, the first image is 6x4; set the 'size' option/);
  }
});

test.run();
