import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodeNpy, parseNpy, toFloat32 } from '../io/npy.ts';
import type { MapBatch } from './measures.ts';

/** Reads a golden map batch written by {@link writeGolden}; undefined when the file is missing. */
export function readGolden(path: string): MapBatch | undefined {
  if (!existsSync(path)) return undefined;
  const array = parseNpy(new Uint8Array(readFileSync(path)), path);
  return { data: toFloat32(array.data), shape: array.shape };
}

/** Writes maps as a float32 `.npy` (numpy opens it; diffs show up as a changed binary). */
export function writeGolden(path: string, maps: MapBatch): void {
  writeFileAtomic(path, encodeNpy(maps.data, maps.shape));
}
