import { z } from 'zod';

/** Identifiers of runs, methods and stored arrays: safe as file names, never a path. */
export const SafeId: z.ZodType<string, string> = z.string().regex(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
).refine((s) => !s.includes('..'), 'must not contain ".."');
