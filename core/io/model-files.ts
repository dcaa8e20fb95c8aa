import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import type { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** A parsed `model.json` with its weight shards, read from disk. */
export interface ModelFiles {
  path: string;
  json: Record<string, unknown> & { modelTopology?: unknown; format?: string };
  artifacts: tf.io.ModelArtifacts;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
/** The largest model.json read, and the largest total of weight shards. */
export const MAX_MODEL_JSON_BYTES = 256 * 2 ** 20;
export const MAX_WEIGHT_BYTES = 2 ** 31 - 1;

/**
 * Reads a tfjs `model.json` and its weight shards from the file system (no `file://` handler,
 * which needs tfjs-node). Every problem is a GradlensError naming the file and what was expected.
 * Shards must be regular files inside the model's folder (symlinks followed), and their sizes
 * must add up to what the weights need, checked before a byte of them is read; errors never
 * quote a file's contents.
 */
export function readModelFiles(path: string): ModelFiles {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new GradlensError('model file not found; expected the model.json written by tfjs or tensorflowjs_converter', {
      where: file,
    });
  }
  const st = statSync(file);
  if (st.isDirectory()) {
    throw new GradlensError('is a directory; give the path of its model.json', { where: file });
  }
  if (!st.isFile()) {
    throw new GradlensError('not a regular file (a device or pipe); expected a model.json', { where: file });
  }
  if (st.size > MAX_MODEL_JSON_BYTES) {
    throw new GradlensError(`${st.size} bytes, over the ${MAX_MODEL_JSON_BYTES} a model.json may have`, {
      where: file,
    });
  }
  let json: ModelFiles['json'];
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // The parser's message quotes the file: not repeated, whatever the file is.
    throw new GradlensError('not valid JSON; expected the model.json written by tfjs or tensorflowjs_converter', {
      where: file,
    });
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || !json.modelTopology) {
    throw new GradlensError("malformed model.json: missing the 'modelTopology' object", { where: file });
  }
  const manifest = (json.weightsManifest ?? []) as WeightsGroup[];
  if (!Array.isArray(manifest)) {
    throw new GradlensError("malformed model.json: 'weightsManifest' must be an array", { where: file });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: { path: string; size: number }[] = [];
  const folder = realpathSync(dirname(file));
  let total = 0;
  // Every shard is located and sized first: nothing is read until the whole model adds up.
  for (const [g, group] of manifest.entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new GradlensError(`malformed model.json: weightsManifest[${g}] needs 'paths' and 'weights' arrays`, {
        where: file,
      });
    }
    const expected = group.weights.reduce(
      (n, w, i) => n + weightBytes(w, `weightsManifest[${g}].weights[${i}]`, file),
      0,
    );
    let got = 0;
    for (const [s, shard] of group.paths.entries()) {
      const found = locateShard(folder, shard, `weightsManifest[${g}].paths[${s}]`, file);
      got += found.size;
      shards.push(found);
    }
    if (got !== expected) {
      throw new GradlensError(
        `weights shards of group ${g} hold ${got} bytes, the model's weights need ${expected}; the files do not belong together or are truncated`,
        { where: `${file} weightsManifest[${g}]` },
      );
    }
    total += got;
    if (total > MAX_WEIGHT_BYTES) {
      throw new GradlensError(`the weights need over ${MAX_WEIGHT_BYTES} bytes, more than gradlens reads`, {
        where: file,
      });
    }
    specs.push(...group.weights);
  }
  const buffers = shards.map((shard) => readShard(shard));
  const weightData = concat(buffers);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | undefined,
    weightSpecs: specs,
    weightData,
    signature: json.signature as tf.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer as tf.io.ModelArtifacts['modelInitializer'],
  };
  return { path: file, json, artifacts };
}

/** An IOHandler that hands tfjs artifacts already in memory. */
export function memoryHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

/**
 * A shard's real path and size: inside the model's folder (symlinks followed) and a regular file.
 * Errors name the manifest entry, never where a path outside the folder leads.
 */
function locateShard(folder: string, shard: unknown, where: string, file: string): { path: string; size: number } {
  if (typeof shard !== 'string' || shard === '' || shard.includes('\0') || isAbsolute(shard)) {
    throw new GradlensError(`${where} must be a file name relative to the model's folder`, { where: file });
  }
  const outside = () =>
    new GradlensError(`${where} '${shard}' leads outside the model's folder; shards must sit beside model.json`, {
      where: file,
    });
  const full = resolve(folder, shard);
  if (!full.startsWith(folder + sep)) throw outside();
  if (!existsSync(full)) {
    throw new GradlensError(`weights shard '${shard}' listed in the model is missing`, { where: full });
  }
  const real = realpathSync(full);
  if (!real.startsWith(folder + sep)) throw outside();
  const st = statSync(real);
  if (!st.isFile()) {
    throw new GradlensError(`weights shard '${shard}' is not a regular file (a folder, device or pipe)`, {
      where: full,
    });
  }
  return { path: real, size: st.size };
}

/** Reads a shard whose size was checked, failing if it changed meanwhile. */
function readShard(shard: { path: string; size: number }): Uint8Array {
  const fd = openSync(shard.path, 'r');
  try {
    const bytes = new Uint8Array(shard.size);
    const got = readSync(fd, bytes, 0, shard.size, 0);
    if (got !== shard.size) throw new GradlensError('weights shard changed while it was read', { where: shard.path });
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function weightBytes(entry: tf.io.WeightsManifestEntry, where: string, file: string): number {
  if (
    !entry || !Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new GradlensError(`${where}: 'shape' must be a list of non-negative integers`, { where: file });
  }
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > MAX_WEIGHT_BYTES) {
    throw new GradlensError(`${where}: shape [${entry.shape.join(', ')}] is larger than gradlens reads`, {
      where: file,
    });
  }
  const quantization = entry.quantization;
  if (quantization) return count * (BYTES[quantization.dtype] ?? 1);
  return count * (BYTES[entry.dtype] ?? 4);
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out.buffer;
}
