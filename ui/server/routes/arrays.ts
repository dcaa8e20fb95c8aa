import { Hono } from 'hono';
import { BATCH_FILES, mapFile, type RunStore } from '../../../core/index.ts';
import { layoutOf } from '../../render/layout.ts';
import { arrayResponse, checkSample, pngResponse } from '../lib/arrays.ts';
import { findBatch, findMethod, readFloat, readManifest } from '../lib/data.ts';
import { ArrayQuery, BatchParam, MapParam, MapQuery, parseOr400 } from '../lib/params.ts';
import { inputPng, mapPng } from '../lib/render.ts';

/**
 * `GET /api/runs/:run/batches/:batch/maps/:method` and `.../inputs`: raw float32 (default),
 * `?format=npy`, or `?format=png&sample=i` rendered with a colour map (maps: `cmap`, `norm`,
 * `clip`, `overlay`, `opacity`).
 */
export function arrayRoutes(store: RunStore): Hono {
  const app = new Hono();
  app.get('/:run/batches/:batch/maps/:method', (c) => {
    const { run, batch, method } = parseOr400(MapParam, c.req.param(), 'map address');
    const q = parseOr400(MapQuery, c.req.query(), 'query');
    const manifest = readManifest(store, run);
    const size = findBatch(store, manifest, batch).size;
    const record = findMethod(manifest, method);
    const map = readFloat(store, run, batch, mapFile(method), [size, ...record.mapShape]);
    const name = `${run}-b${batch}-${method}`;
    if (q.format !== 'png') return arrayResponse(c, map, q.format, name, q.sample);
    const sample = checkSample(q.sample, map.shape[0]);
    const layout = layoutOf(manifest.dataset.sampleShape);
    const inputs = q.overlay
      ? readFloat(store, run, batch, BATCH_FILES.inputs, [size, ...manifest.dataset.sampleShape]).data
      : undefined;
    const png = mapPng(map.data, map.shape, sample, layout, record.signed, q, inputs);
    return pngResponse(c, png, `${name}-${sample}`);
  });
  app.get('/:run/batches/:batch/inputs', (c) => {
    const { run, batch } = parseOr400(BatchParam, c.req.param(), 'batch');
    const q = parseOr400(ArrayQuery, c.req.query(), 'query');
    const manifest = readManifest(store, run);
    const size = findBatch(store, manifest, batch).size;
    const inputs = readFloat(store, run, batch, BATCH_FILES.inputs, [size, ...manifest.dataset.sampleShape]);
    const name = `${run}-b${batch}-inputs`;
    if (q.format !== 'png') return arrayResponse(c, inputs, q.format, name, q.sample);
    const sample = checkSample(q.sample, inputs.shape[0]);
    return pngResponse(c, inputPng(inputs.data, sample, layoutOf(manifest.dataset.sampleShape)), `${name}-${sample}`);
  });
  return app;
}
