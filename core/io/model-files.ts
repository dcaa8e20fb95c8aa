import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

/**
 * Reads a tfjs `model.json` and its weight shards from the file system (no `file://` handler,
 * which needs tfjs-node). Every problem is a GradlensError naming the file and what was expected.
 */
export function readModelFiles(path: string): ModelFiles {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new GradlensError('model file not found; expected the model.json written by tfjs or tensorflowjs_converter', {
      where: file,
    });
  }
  if (statSync(file).isDirectory()) {
    throw new GradlensError('is a directory; give the path of its model.json', { where: file });
  }
  let json: ModelFiles['json'];
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GradlensError(`not valid JSON (${(error as Error).message})`, { where: file });
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || !json.modelTopology) {
    throw new GradlensError("malformed model.json: missing the 'modelTopology' object", { where: file });
  }
  const manifest = (json.weightsManifest ?? []) as WeightsGroup[];
  if (!Array.isArray(manifest)) {
    throw new GradlensError("malformed model.json: 'weightsManifest' must be an array", { where: file });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const [g, group] of manifest.entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new GradlensError(`malformed model.json: weightsManifest[${g}] needs 'paths' and 'weights' arrays`, {
        where: file,
      });
    }
    const groupBuffers = group.paths.map((shard) => {
      const shardPath = resolve(dirname(file), shard);
      if (!existsSync(shardPath)) {
        throw new GradlensError(`weights shard '${shard}' listed in the model is missing`, { where: shardPath });
      }
      return new Uint8Array(readFileSync(shardPath));
    });
    const got = groupBuffers.reduce((n, b) => n + b.length, 0);
    const expected = group.weights.reduce((n, w) => n + weightBytes(w), 0);
    if (got !== expected) {
      throw new GradlensError(
        `weights shards of group ${g} hold ${got} bytes, the model's weights need ${expected}; the files do not belong together or are truncated`,
        { where: resolve(dirname(file), group.paths[0] ?? '') },
      );
    }
    specs.push(...group.weights);
    buffers.push(...groupBuffers);
  }
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

function weightBytes(entry: tf.io.WeightsManifestEntry): number {
  const count = entry.shape.reduce((a, b) => a * b, 1);
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
