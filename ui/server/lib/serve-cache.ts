/**
 * What the server keeps in memory so that a team can read one run at once: manifests (re-read
 * only when their file changes, and always while the run is being written), and the bodies it
 * sends for finished batches (raw arrays, .npy files, PNGs, batch JSON), built once per
 * (run, batch, what, parameters) and served from memory after that, least recently used first
 * out. A finished batch's files never change (ids.json is written last), so neither do these.
 * Every first read goes through the same checks as before (run/batch/method looked up in the
 * manifest, files confined to the runs directory) and reads its file without blocking.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { type Manifest, parseNpy, type RunStore, toFloat32 } from '../../../core/index.ts';
import { notFound } from './errors.ts';
import { checkShape, damaged, readManifest } from './data.ts';

/** How long a finished run's manifest is trusted before its file is looked at again. */
const RECHECK_MS = 100;
/** Largest array file served: far above any batch of maps, far below what would exhaust memory. */
const MAX_ARRAY_BYTES = 2 ** 31 - 1;

/** Default memory for cached bodies and arrays: 256 MiB. */
export const CACHE_BYTES = 256 * 1024 * 1024;

interface Entry {
  value: Uint8Array | { data: Float32Array; shape: number[] };
  bytes: number;
}

export class ServeCache {
  readonly #manifests = new Map<string, { stamp: string; manifest: Manifest; checkedAt: number }>();
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<Entry['value']>>();
  #bytes = 0;

  constructor(readonly store: RunStore, readonly maxBytes = CACHE_BYTES) {}

  /**
   * The run's manifest; 404 when there is none. With `batch`, one that lists that batch if the
   * run has it now (a batch just added is never missed for the moment the manifest is trusted).
   */
  manifest(run: string, batch?: number): Manifest {
    const hit = this.#manifests.get(run);
    // A finished run's manifest looked at within the last moment is not looked at again.
    const listed = batch === undefined || hit?.manifest.batches.some((b) => b.index === batch);
    if (hit && listed && hit.manifest.status !== 'running' && performance.now() - hit.checkedAt < RECHECK_MS) {
      return hit.manifest;
    }
    const path = this.store.path(run, 'manifest.json');
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${st.mtimeMs}:${st.ino}:${st.size}`;
    } catch {
      throw notFound(`no run '${run}' in the runs directory`);
    }
    if (hit && hit.stamp === stamp && hit.manifest.status !== 'running') {
      hit.checkedAt = performance.now();
      return hit.manifest;
    }
    const manifest = readManifest(this.store, run);
    this.#manifests.set(run, { stamp, manifest, checkedAt: performance.now() });
    return manifest;
  }

  /**
   * A finished batch's file as float32 with its shape, read once; 404 when absent or outside the
   * directory, 500 (damaged) when it cannot be parsed or its shape is not `expected` (the shape the
   * manifest implies; `null` for any size).
   */
  array(
    manifest: Manifest,
    batch: number,
    file: string,
    expected?: readonly (number | null)[],
  ): Promise<{ data: Float32Array; shape: number[] }> {
    const run = manifest.id;
    return this.#get(`array:${run}@${manifest.createdAt}/${batch}/${file}`, async () => {
      const path = this.store.batchFile(run, batch, file);
      let real: string;
      try {
        if (!existsSync(path)) throw new Error();
        real = this.store.checkReal(path);
      } catch {
        throw notFound(`run '${run}' batch ${batch} has no ${file}`);
      }
      const size = (await stat(real)).size;
      if (size > MAX_ARRAY_BYTES) {
        throw damaged(`run '${run}' batch ${batch}: ${file} is ${size} bytes, over the limit`);
      }
      let array;
      try {
        array = parseNpy(new Uint8Array(await readFile(real)), file);
      } catch (error) {
        throw damaged(
          `run '${run}' batch ${batch}: ${file} cannot be read (${(error as Error).message.split(': ').pop()})`,
        );
      }
      checkShape(run, batch, file, array.shape, expected);
      return { data: toFloat32(array.data), shape: array.shape };
    }) as Promise<{ data: Float32Array; shape: number[] }>;
  }

  /** A response body of a finished batch under `key`, built by `make` on the first request. */
  body(manifest: Manifest, key: string, make: () => Promise<Uint8Array> | Uint8Array): Promise<Uint8Array> {
    return this.#get(`body:${manifest.id}@${manifest.createdAt}/${key}`, async () => await make()) as Promise<
      Uint8Array
    >;
  }

  /**
   * A strong validator of a body: when the run was created, and the key (batch, what, parameters;
   * plain ASCII), so a run made again under the same id never matches an old one.
   */
  etag(manifest: Manifest, key: string): string {
    const created = Date.parse(manifest.createdAt);
    return `"${Number.isFinite(created) ? created.toString(36) : 'x'}/${key}"`;
  }

  #get(key: string, make: () => Promise<Entry['value']>): Promise<Entry['value']> {
    const hit = this.#entries.get(key);
    if (hit) {
      // Map order is the recency order: move the entry to the end.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit.value);
    }
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const made = make().then((value) => {
      this.#pending.delete(key);
      this.#put(key, value);
      return value;
    }, (error) => {
      this.#pending.delete(key);
      throw error;
    });
    this.#pending.set(key, made);
    return made;
  }

  #put(key: string, value: Entry['value']): void {
    const bytes = value instanceof Uint8Array ? value.byteLength : value.data.byteLength;
    // One entry may take at most a quarter of the cache, so a huge array cannot flush the rest.
    if (bytes > this.maxBytes / 4) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }
}
