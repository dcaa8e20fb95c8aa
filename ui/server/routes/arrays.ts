import { Hono } from 'hono';
import { BATCH_FILES, mapFile, type RunStore } from '../../../core/index.ts';
import { layoutOf } from '../../render/layout.ts';
import { arrayBytes, arrayHeaders, checkSample, pngHeaders, sendCached } from '../lib/arrays.ts';
import { findBatch, findMethod } from '../lib/data.ts';
import { ArrayQuery, BatchParam, MapParam, MapQuery, parseOr400 } from '../lib/params.ts';
import { inputPng, mapPng } from '../lib/render.ts';
import { ServeCache } from '../lib/serve-cache.ts';

/**
 * `GET /api/runs/:run/batches/:batch/maps/:method` and `.../inputs`: raw float32 (default),
 * `?format=npy`, or `?format=png&sample=i` rendered with a colour map (maps: `cmap`, `norm`,
 * `clip`, `overlay`, `opacity`). Bodies are built once per parameters and then served from
 * memory with validators (see ServeCache and sendCached).
 */
export function arrayRoutes(store: RunStore, cache = new ServeCache(store)): Hono {
  const app = new Hono();
  app.get('/:run/batches/:batch/maps/:method', async (c) => {
    const { run, batch, method } = parseOr400(MapParam, c.req.param(), 'map address');
    const q = parseOr400(MapQuery, c.req.query(), 'query');
    const manifest = cache.manifest(run, batch);
    const size = findBatch(store, manifest, batch).size;
    const record = findMethod(manifest, method);
    const map = await cache.array(manifest, batch, mapFile(method), [size, ...record.mapShape]);
    const name = `${run}-b${batch}-${method}`;
    if (q.format !== 'png') {
      const format = q.format;
      const shape = q.sample === undefined ? map.shape : map.shape.slice(1);
      if (q.sample !== undefined) checkSample(q.sample, map.shape[0]);
      const key = `${batch}/maps/${method}/${q.format}/${q.sample ?? 'all'}`;
      const headers = arrayHeaders(name, q.format, shape, q.sample);
      return sendCached(c, cache, manifest, key, headers, () => arrayBytes(map, format, q.sample).bytes);
    }
    const sample = checkSample(q.sample, map.shape[0]);
    const key = `${batch}/maps/${method}/png/${sample}/${q.cmap}/${q.norm}/${q.clip}/${q.overlay}/${q.opacity}`;
    return sendCached(c, cache, manifest, key, pngHeaders(`${name}-${sample}`), async () => {
      const layout = layoutOf(manifest.dataset.sampleShape);
      const inputs = q.overlay
        ? (await cache.array(manifest, batch, BATCH_FILES.inputs, [size, ...manifest.dataset.sampleShape])).data
        : undefined;
      return mapPng(map.data, map.shape, sample, layout, record.signed, q, inputs);
    });
  });
  app.get('/:run/batches/:batch/inputs', async (c) => {
    const { run, batch } = parseOr400(BatchParam, c.req.param(), 'batch');
    const q = parseOr400(ArrayQuery, c.req.query(), 'query');
    const manifest = cache.manifest(run, batch);
    const size = findBatch(store, manifest, batch).size;
    const inputs = await cache.array(manifest, batch, BATCH_FILES.inputs, [size, ...manifest.dataset.sampleShape]);
    const name = `${run}-b${batch}-inputs`;
    if (q.format !== 'png') {
      const format = q.format;
      const shape = q.sample === undefined ? inputs.shape : inputs.shape.slice(1);
      if (q.sample !== undefined) checkSample(q.sample, inputs.shape[0]);
      const key = `${batch}/inputs/${q.format}/${q.sample ?? 'all'}`;
      const headers = arrayHeaders(name, q.format, shape, q.sample);
      return sendCached(c, cache, manifest, key, headers, () => arrayBytes(inputs, format, q.sample).bytes);
    }
    const sample = checkSample(q.sample, inputs.shape[0]);
    return sendCached(
      c,
      cache,
      manifest,
      `${batch}/inputs/png/${sample}`,
      pngHeaders(`${name}-${sample}`),
      () => inputPng(inputs.data, sample, layoutOf(manifest.dataset.sampleShape)),
    );
  });
  return app;
}
