/**
 * Synthetic runs written straight through RunStore (no model): for tests and benchmarks of the
 * dashboard. Maps are smooth blobs plus noise so that colour maps, percentiles and rank
 * correlations have something to show.
 */
import { type Manifest, type RunStore, writeFileAtomic } from '../../core/index.ts';

export interface SyntheticOptions {
  id: string;
  /** `[H, W, C]` images or `[T, F]` series. */
  sampleShape: number[];
  batchSize: number;
  batches: number;
  methods: { id: string; signed: boolean; keepChannels?: boolean }[];
  classes?: number;
  status?: Manifest['status'];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

/** Writes the manifest and every batch of a synthetic run; returns the manifest. */
export function writeSyntheticRun(store: RunStore, o: SyntheticOptions): Manifest {
  const classes = o.classes ?? 10;
  const image = o.sampleShape.length === 3;
  const mapShape = (keep?: boolean) => (image && !keep ? o.sampleShape.slice(0, -1) : o.sampleShape);
  const now = new Date().toISOString();
  const manifest: Manifest = {
    format: 'gradlens-run',
    version: 1,
    id: o.id,
    status: o.status ?? 'complete',
    createdAt: now,
    updatedAt: now,
    config: {
      id: o.id,
      runsDir: store.root,
      plugins: [],
      model: { plugin: 'synthetic', options: {} },
      dataset: { plugin: 'synthetic', options: {}, batchSize: o.batchSize },
      methods: o.methods.map((m) => ({ plugin: 'synthetic', id: m.id, options: {} })),
    },
    baseDir: store.root,
    model: {
      plugin: 'synthetic',
      options: {},
      inputShape: o.sampleShape,
      outputs: [{ name: 'out', shape: [classes], scores: 'pre-softmax' }],
      output: { name: 'out', index: 0, scores: 'pre-softmax' },
      classNames: Array.from({ length: classes }, (_, i) => `class-${i}`),
      numClasses: classes,
      probabilities: "softmax of the head's scores",
      details: {},
    },
    dataset: {
      plugin: 'synthetic',
      options: {},
      batchSize: o.batchSize,
      size: o.batchSize * o.batches,
      sampleShape: o.sampleShape,
      hasLabels: true,
      extra: {},
      details: {},
    },
    target: { rule: 'label', description: 'the true label of each sample' },
    methods: o.methods.map((m) => ({
      id: m.id,
      plugin: 'synthetic',
      options: {},
      needs: [],
      rawSigned: m.signed,
      signed: m.signed,
      conventions: { abs: !m.signed, reduce: image && !m.keepChannels ? (m.signed ? 'sum' : 'max') : 'none' },
      mapShape: mapShape(m.keepChannels),
      perSample: ['score'],
    })),
    backend: { name: 'none', package: 'none', details: {} },
    versions: {},
    plannedBatches: o.batches,
    batches: [],
  };
  store.write(manifest);
  const random = rng(42);
  const n = o.batchSize;
  const per = o.sampleShape.reduce((a, b) => a * b, 1);
  const [h, w] = o.sampleShape;
  for (let b = 0; b < o.batches; b++) {
    const inputs = new Float32Array(n * per).map(() => random());
    store.writeArray(o.id, b, 'inputs.npy', inputs, [n, ...o.sampleShape]);
    const labels = new Int32Array(n).map(() => Math.floor(random() * classes));
    const predictions = labels.map((l) => (random() < 0.7 ? l : (l + 1) % classes));
    const probs = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += probs[i * classes + k] = random() + (k === predictions[i] ? 3 : 0);
      for (let k = 0; k < classes; k++) probs[i * classes + k] /= sum;
    }
    store.writeArray(o.id, b, 'labels.npy', labels, [n]);
    store.writeArray(o.id, b, 'targets.npy', labels, [n]);
    store.writeArray(o.id, b, 'predictions.npy', predictions, [n]);
    store.writeArray(o.id, b, 'probabilities.npy', probs, [n, classes]);
    for (const [mi, m] of o.methods.entries()) {
      const shape = mapShape(m.keepChannels);
      const size = shape.reduce((a, b) => a * b, 1);
      const maps = new Float32Array(n * size);
      for (let i = 0; i < n; i++) {
        const cy = random() * h;
        const cx = random() * (image ? w : 1);
        for (let j = 0; j < size; j++) {
          const pixel = image ? Math.floor(j / (size / (h * w))) : Math.floor(j / (size / h));
          const y = image ? Math.floor(pixel / w) : pixel;
          const x = image ? pixel % w : 0;
          const blob = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * (h / 6) ** 2));
          const v = blob + 0.2 * random() + 0.05 * mi;
          maps[i * size + j] = m.signed ? (random() < 0.3 ? -v : v) : v;
        }
      }
      store.writeArray(o.id, b, `maps/${m.id}.npy`, maps, [n, ...shape]);
      store.writeArray(o.id, b, `stats/${m.id}.score.npy`, new Float32Array(n).map(() => random()), [n]);
    }
    manifest.batches.push({ index: b, size: n, durationMs: 1, finishedAt: now, methodMs: {} });
    writeIds(store, o.id, b, Array.from({ length: n }, (_, i) => `sample-${b * n + i}`));
    store.write(manifest);
  }
  return manifest;
}

function writeIds(store: RunStore, id: string, batch: number, ids: string[]): void {
  writeFileAtomic(store.batchFile(id, batch, 'ids.json'), JSON.stringify(ids));
}
