/**
 * zod schemas for every parameter the API accepts. A value that fails is answered with 400 and
 * the schema's message; nothing unvalidated reaches the run store.
 */
import { z } from 'zod';
import { HTTPException } from 'hono/http-exception';
import { describeZodIssues, SafeId } from '../../../core/index.ts';
import { COLOR_MAPS } from '../../render/colormaps.ts';

export const RunParam = z.object({ run: SafeId });
export const BatchParam = RunParam.extend({
  batch: z.string().regex(/^\d{1,6}$/, 'batch must be a non-negative integer').transform(Number),
});
export const MapParam = BatchParam.extend({ method: SafeId });
export const JobParam = z.object({ job: z.string().regex(/^job-\d{1,6}$/, "job ids look like 'job-1'") });

const Sample = z.string().regex(/^\d{1,6}$/, 'sample must be a non-negative integer').transform(Number);
const Flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** The run's creation time, which the page adds to batch URLs so that cached answers of a run made again under the same id are not reused. */
const Version = z.string().max(64).optional();

/** Query of a batch's JSON: only the token and the version. */
export const VersionQuery = z.object({ token: z.string().optional(), v: Version }).strict();

/** Query of array endpoints: raw float32 (default), `.npy`, or a rendered PNG of one sample. */
export const ArrayQuery = z.object({
  format: z.enum(['f32', 'npy', 'png']).default('f32'),
  sample: Sample.optional(),
  token: z.string().optional(),
  v: Version,
}).strict();

/** Rendering options of a map PNG. */
export const MapQuery = ArrayQuery.extend({
  cmap: z.enum(['auto', ...COLOR_MAPS]).default('auto'),
  /** `map`: range of this sample's map; `column`: one range for the method over the batch. */
  norm: z.enum(['map', 'column']).default('map'),
  /** Percentile that clips the range (100: no clipping). */
  clip: z.coerce.number().min(50, 'clip must be between 50 and 100').max(100, 'clip must be between 50 and 100')
    .default(99),
  overlay: Flag.default(false),
  opacity: z.coerce.number().min(0).max(1).default(0.6),
}).strict();

/** Parses or throws a 400 whose message names the failing field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HTTPException(400, { message: `invalid ${what}: ${describeZodIssues(result.error.issues)}` });
  }
  return result.data;
}
