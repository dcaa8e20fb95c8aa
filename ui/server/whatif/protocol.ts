/**
 * The line protocol between the server and a run's what-if engine (child.ts): one JSON request
 * per line on the engine's stdin, one JSON reply per line on its stdout. Arrays travel as base64
 * little-endian float32.
 */
import { Buffer } from 'node:buffer';
import { z } from 'zod';

export interface WireArray {
  data: string;
  shape: number[];
}
const WireArraySchema: z.ZodType<WireArray> = z.object({ data: z.string(), shape: z.array(z.number().int()) });

export interface EngineRequest {
  id: number;
  /** Id the sample is computed under (shown in messages). */
  name: string;
  /** One sample's input, base64 float32, of the run's sample shape. */
  x: string;
  /** Its label, or null. */
  label: number | null;
  /** Class to explain; null for the run's own target rule. */
  target: number | null;
  /** Every method (saving an edit), or only the fast ones (answering an edit). */
  all: boolean;
  /** The dataset's extra arrays of the sample, by name, first axis 1. */
  extra: Record<string, WireArray>;
}
export const EngineRequest: z.ZodType<EngineRequest> = z.object({
  id: z.number().int(),
  name: z.string(),
  x: z.string(),
  label: z.number().int().nullable(),
  target: z.number().int().nonnegative().nullable(),
  all: z.boolean(),
  extra: z.record(z.string(), WireArraySchema),
});

export type EngineReply =
  | {
    id: number;
    ok: true;
    ms: number;
    probabilities: WireArray;
    predictions: number[];
    targets: number[];
    methods: { id: string; map: WireArray; perSample: { name: string; data: string }[]; ms: number }[];
    skipped: string[];
    /** Tensors the engine holds after answering: the same after every edit, or it leaks. */
    tensors: number;
  }
  | { id: number; ok: false; error: string };

export function encodeF32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Decodes base64 float32; the byte count must be a multiple of 4. */
export function decodeF32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) throw new Error('a float32 array must have a multiple of 4 bytes');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
