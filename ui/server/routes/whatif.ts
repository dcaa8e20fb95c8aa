import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import {
  BATCH_FILES,
  type BatchResult,
  extraFile,
  type Manifest,
  type RunStore,
  writeBatchFiles,
} from '../../../core/index.ts';
import { sizeOf } from '../../render/layout.ts';
import { checkSample } from '../lib/arrays.ts';
import { findBatch, readFloat, readInts, readManifest } from '../lib/data.ts';
import { parseOr400, RunParam } from '../lib/params.ts';
import type { EngineAnswer, EngineManager } from '../whatif/engine.ts';
import { decodeF32, encodeF32, type WireArray } from '../whatif/protocol.ts';

/** Largest body an edit may have: a 512 x 512 x 4 float32 sample in base64, with room to spare. */
const MAX_BODY = 8 * 1024 * 1024;

const EditBody = z.object({
  batch: z.number().int().nonnegative(),
  sample: z.number().int().nonnegative(),
  /** The edited sample, base64 float32 of the run's sample shape; absent: the stored sample. */
  input: z.string().max(MAX_BODY).optional(),
  /** Class to explain; absent: the run's own target. */
  target: z.number().int().nonnegative().optional(),
}).strict();
type EditBody = z.infer<typeof EditBody>;

/** A write from a page of another origin is refused (the browser names the page's origin). */
function checkOrigin(c: Context): void {
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    throw new HTTPException(403, {
      message: `edits are accepted only from the dashboard's own page, not from ${origin}`,
    });
  }
}

async function body(c: Context): Promise<EditBody> {
  checkOrigin(c);
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
    throw new HTTPException(415, { message: 'send the edit as JSON (Content-Type: application/json)' });
  }
  let value: unknown;
  try {
    value = await c.req.json();
  } catch {
    throw new HTTPException(400, { message: 'invalid edit: body is not valid JSON' });
  }
  return parseOr400(EditBody, value, 'edit');
}

/** The stored sample a request starts from, with the edited input checked against its shape. */
function startingPoint(store: RunStore, manifest: Manifest, b: EditBody) {
  findBatch(store, manifest, b.batch);
  const inputs = readFloat(store, manifest.id, b.batch, BATCH_FILES.inputs);
  const sample = checkSample(b.sample, inputs.shape[0]);
  const per = sizeOf(manifest.dataset.sampleShape);
  let x: Float32Array = inputs.data.slice(sample * per, (sample + 1) * per);
  if (b.input !== undefined) {
    const edited = decodeF32(b.input);
    if (edited.length !== per) {
      throw new HTTPException(400, {
        message: `invalid edit: the input has ${edited.length} values; a sample of shape [${
          manifest.dataset.sampleShape.join(', ')
        }] has ${per}`,
      });
    }
    if (!edited.every(Number.isFinite)) {
      throw new HTTPException(400, { message: 'invalid edit: the input is not finite' });
    }
    x = edited;
  }
  if (b.target !== undefined && b.target >= manifest.model.numClasses) {
    throw new HTTPException(400, {
      message: `invalid edit: class ${b.target} is out of range; the model has ${manifest.model.numClasses} classes`,
    });
  }
  const labels = readInts(store, manifest.id, b.batch, BATCH_FILES.labels);
  const extra: Record<string, WireArray> = {};
  for (const [name, shape] of Object.entries(manifest.dataset.extra)) {
    const a = readFloat(store, manifest.id, b.batch, extraFile(name));
    const n = sizeOf(shape);
    extra[name] = { data: encodeF32(a.data.slice(sample * n, (sample + 1) * n)), shape: [1, ...shape] };
  }
  const id = store.readIds(manifest.id, b.batch)[sample];
  return { x, label: labels?.[sample] ?? null, extra, id };
}

function answerOf(a: EngineAnswer) {
  const p = decodeF32(a.probabilities.data);
  return {
    prediction: a.predictions[0],
    probabilities: Array.from(p),
    target: a.targets[0],
    maps: Object.fromEntries(a.methods.map((m) => [m.id, { data: m.map.data, shape: m.map.shape.slice(1) }])),
    skipped: a.skipped,
    ms: a.ms,
  };
}

/**
 * `POST /api/runs/:run/whatif` `{ batch, sample, input?, target? }`: the prediction, class
 * probabilities and every fast method's map of a stored sample, edited (`input`) or not, for the
 * run's target or class `target`; computed by the run's long-lived engine.
 * `POST /api/runs/:run/edits` `{ batch, sample, input }`: saves an edited sample as a new batch of
 * the run (every method computed), answering `{ batch, id }`.
 */
export function whatIfRoutes(store: RunStore, engines?: EngineManager): Hono {
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: (c) => c.json({ error: `an edit may not exceed ${MAX_BODY} bytes` }, 413),
  });
  // Edits saved into one run are written one after another.
  const saving = new Map<string, Promise<unknown>>();
  const need = () => {
    if (!engines) throw new HTTPException(501, { message: 'this server computes no what-if edits' });
    return engines;
  };
  app.post('/:run/whatif', limit, async (c) => {
    const e = need();
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const b = await body(c);
    const manifest = readManifest(store, run);
    const start = startingPoint(store, manifest, b);
    const answer = await e.compute(run, manifest.createdAt, {
      name: start.id,
      x: encodeF32(start.x),
      label: start.label,
      target: b.target ?? null,
      all: false,
      extra: start.extra,
    }).catch((error) => {
      throw new HTTPException(422, { message: `the run's engine could not compute this: ${(error as Error).message}` });
    });
    return c.json(answerOf(answer));
  });
  app.post('/:run/edits', limit, async (c) => {
    const e = need();
    const { run } = parseOr400(RunParam, c.req.param(), 'run id');
    const b = await body(c);
    if (b.input === undefined) throw new HTTPException(400, { message: 'invalid edit: saving needs the edited input' });
    const work = (saving.get(run) ?? Promise.resolve()).catch(() => {}).then(async () => {
      const manifest = readManifest(store, run);
      if (manifest.status === 'running') {
        throw new HTTPException(409, { message: `run '${run}' is still being written; save the edit when it is done` });
      }
      const start = startingPoint(store, manifest, b);
      const answer = await e.compute(run, manifest.createdAt, {
        name: start.id,
        x: b.input!,
        label: start.label,
        target: null,
        all: true,
        extra: start.extra,
      }).catch((error) => {
        throw new HTTPException(422, {
          message: `the run's engine could not compute this: ${(error as Error).message}`,
        });
      });
      const index = manifest.batches.reduce((m, x) => Math.max(m, x.index), -1) + 1;
      const id = `${start.id}-edit-${index}`;
      const result: BatchResult = {
        probabilities: { values: decodeF32(answer.probabilities.data), shape: answer.probabilities.shape },
        predictions: Int32Array.from(answer.predictions),
        targets: Int32Array.from(answer.targets),
        // Metrics judge the run's own batches; `gradlens evaluate` covers a saved edit later.
        metrics: [],
        methods: answer.methods.map((m) => ({
          map: { values: decodeF32(m.map.data), shape: m.map.shape },
          perSample: m.perSample.map((s) => ({ name: s.name, values: decodeF32(s.data) })),
          ms: m.ms,
        })),
      };
      writeBatchFiles(
        store,
        run,
        index,
        {
          ids: [id],
          x: start.x,
          shape: [1, ...manifest.dataset.sampleShape],
          y: start.label === null ? undefined : Int32Array.of(start.label),
          extra: Object.fromEntries(
            Object.entries(start.extra).map(([k, v]) => [k, { values: decodeF32(v.data), shape: v.shape }]),
          ),
        },
        result,
        manifest.methods.map((m) => m.id),
      );
      const now = new Date().toISOString();
      store.write({
        ...manifest,
        updatedAt: now,
        plannedBatches: manifest.plannedBatches === undefined ? undefined : manifest.plannedBatches + 1,
        batches: [...manifest.batches, {
          index,
          size: 1,
          durationMs: Math.round(answer.ms),
          finishedAt: now,
          methodMs: Object.fromEntries(answer.methods.map((m) => [m.id, Math.round(m.ms)])),
        }],
      });
      return { batch: index, id };
    });
    saving.set(run, work);
    return c.json(await work);
  });
  return app;
}
