import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeNpy } from '../../../core/io/npy.ts';
import type { Manifest } from '../../../core/runs/manifest.ts';
import { writeBatchFiles } from '../../../core/runs/run-writer.ts';
import { FileStorage, type RunStorage } from '../../../core/runs/storage.ts';
import { RunStore } from '../../../core/runs/store.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const test = suite('run storage backends');

test('a runs directory: create is exclusive, reads are size-checked, symlinks out are refused', () => {
  const root = tempDir();
  const files = new FileStorage(root);
  assert.is(files.create(['r', 'manifest.json'], 'first'), true);
  assert.is(files.create(['r', 'manifest.json'], 'second'), false);
  assert.is(new TextDecoder().decode(files.read(['r', 'manifest.json'], 100)), 'first');
  assert.equal(files.list(['r']), ['manifest.json']);
  assert.equal(files.list(['nothing']), []);
  assert.is(files.read(['r', 'none'], 100), undefined);
  assert.throws(() => files.read(['r', 'manifest.json'], 3), /larger than the 3 bytes/);
  const outside = tempDir();
  writeFileSync(join(outside, 'secret'), 'x');
  mkdirSync(join(root, 's'));
  symlinkSync(join(outside, 'secret'), join(root, 's', 'link'));
  assert.throws(() => files.read(['s', 'link'], 100), /escapes the runs directory/);
  assert.throws(() => new RunStore(root).key('r', '..'), /invalid path segment/);
  assert.throws(() => new RunStore(root).key('../r'), /invalid run id/);
});

/** A second backend, in memory: what a run writes and reads goes through the interface alone. */
class MemoryStorage implements RunStorage {
  readonly location = 'memory:';
  readonly objects = new Map<string, Uint8Array>();
  read(key: string[], maxBytes: number) {
    const bytes = this.objects.get(key.join('/'));
    if (bytes && bytes.length > maxBytes) throw new Error('too large');
    return bytes;
  }
  write(key: string[], bytes: Uint8Array | string) {
    this.objects.set(key.join('/'), typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  }
  create(key: string[], bytes: Uint8Array | string) {
    if (this.objects.has(key.join('/'))) return false;
    this.write(key, bytes);
    return true;
  }
  list(key: string[]) {
    const prefix = key.length ? key.join('/') + '/' : '';
    const names = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return [...new Set(names.map((n) => n.split('/')[0]))];
  }
  exists(key: string[]) {
    return this.list(key).length > 0 || this.objects.has(key.join('/'));
  }
}

test('a run store over another backend writes and reads a run through the interface only', () => {
  const storage = new MemoryStorage();
  const store = new RunStore(storage);
  const manifest = minimalManifest('mem');
  assert.is(store.create(manifest), true);
  assert.is(store.create(manifest), false);
  const x = Float32Array.from({ length: 2 * 4 }, (_, i) => i / 8);
  writeBatchFiles(store, 'mem', 0, { ids: ['a', 'b'], x, shape: [2, 4] }, {
    probabilities: { values: Float32Array.from([0.25, 0.75, 0.5, 0.5]), shape: [2, 2] },
    predictions: Int32Array.from([1, 0]),
    targets: Int32Array.from([1, 1]),
    methods: [{ map: { values: x, shape: [2, 4] }, perSample: [], ms: 1 }],
    metrics: [],
  }, ['saliency']);
  assert.equal(store.list().map((r) => r.id), ['mem']);
  assert.equal(store.readIds('mem', 0), ['a', 'b']);
  assert.equal(Array.from(store.readMap('mem', 0, 'saliency').data as Float32Array), Array.from(x));
  assert.ok(storage.objects.has('mem/batches/00000/maps/saliency.npy'));
  assert.equal(storage.objects.get('mem/batches/00000/inputs.npy'), encodeNpy(x, [2, 4]));
  assert.is(store.where('mem'), 'memory:/mem');
  assert.throws(() => store.path('mem'), /needs a runs directory on a filesystem/);
});

function minimalManifest(id: string): Manifest {
  const now = new Date().toISOString();
  return {
    format: 'gradlens-run',
    version: 1,
    id,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    config: {
      runsDir: 'runs',
      plugins: [],
      model: { plugin: 'm', options: {} },
      dataset: { plugin: 'd', options: {}, batchSize: 2 },
      methods: [{ plugin: 'saliency', options: {} }],
    },
    baseDir: '/',
    model: {
      plugin: 'm',
      options: {},
      inputShape: [null, 4],
      outputs: [{ name: 'out', shape: [null, 2], scores: 'pre-softmax' }],
      output: { name: 'out', index: 0, scores: 'pre-softmax' },
      numClasses: 2,
      probabilities: 'softmax',
      details: {},
    },
    dataset: { plugin: 'd', options: {}, batchSize: 2, sampleShape: [4], hasLabels: false, extra: {}, details: {} },
    target: { rule: 'predicted', description: '' },
    methods: [{
      id: 'saliency',
      plugin: 'saliency',
      options: {},
      needs: [],
      rawSigned: false,
      signed: false,
      conventions: { abs: true, reduce: 'none' },
      mapShape: [4],
      perSample: [],
    }],
    backend: { name: 'cpu', package: '', details: {} },
    versions: {},
    batches: [],
  };
}

test.run();
