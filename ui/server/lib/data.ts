/**
 * Reads what the API serves from the run store, turning "not there" into 404s. Every run,
 * batch and method is looked up in the manifest before a file is touched, and every file is
 * resolved through RunStore.path/checkReal, so no request reaches outside the runs directory.
 */
import { existsSync } from 'node:fs';
import {
  BATCH_FILES,
  type BatchRecord,
  type Manifest,
  type MethodRecord,
  type RunStore,
  toFloat32,
} from '../../../core/index.ts';
import { notFound } from './errors.ts';

export function readManifest(store: RunStore, run: string): Manifest {
  const path = store.path(run, 'manifest.json');
  if (!existsSync(path)) throw notFound(`no run '${run}' in the runs directory`);
  try {
    store.checkReal(path);
  } catch {
    throw notFound(`no run '${run}' in the runs directory`);
  }
  const manifest = store.read(run);
  if (manifest.id !== run) throw notFound(`run directory '${run}' holds the manifest of '${manifest.id}'`);
  return manifest;
}

/** The record of a finished batch (its ids.json written last, so its files are complete). */
export function findBatch(store: RunStore, manifest: Manifest, batch: number): BatchRecord {
  const record = manifest.batches.find((b) => b.index === batch);
  if (!record || !existsSync(store.batchFile(manifest.id, batch, BATCH_FILES.ids))) {
    throw notFound(`run '${manifest.id}' has no batch ${batch} (it has ${manifest.batches.length})`);
  }
  return record;
}

export function findMethod(manifest: Manifest, method: string): MethodRecord {
  const record = manifest.methods.find((m) => m.id === method);
  if (!record) {
    throw notFound(
      `run '${manifest.id}' has no method '${method}'; it has ${manifest.methods.map((m) => m.id).join(', ')}`,
    );
  }
  return record;
}

/** A batch file as float32 with its shape; 404 when absent or outside the directory. */
export function readFloat(
  store: RunStore,
  run: string,
  batch: number,
  file: string,
): { data: Float32Array; shape: number[] } {
  const path = store.batchFile(run, batch, file);
  if (!existsSync(path)) throw notFound(`run '${run}' batch ${batch} has no ${file}`);
  try {
    store.checkReal(path);
  } catch {
    throw notFound(`run '${run}' batch ${batch} has no ${file}`);
  }
  const array = store.readArray(run, batch, file);
  return { data: toFloat32(array.data), shape: array.shape };
}

/** An optional integer array (labels), as plain numbers. */
export function readInts(store: RunStore, run: string, batch: number, file: string): number[] | null {
  if (!existsSync(store.batchFile(run, batch, file))) return null;
  return Array.from(readFloat(store, run, batch, file).data);
}
