import { z } from 'zod';

/**
 * An option that names another attribution method, as a wrapper's option schema declares it
 * (e.g. SmoothGrad's `base`): a registered name, or a name with that method's own options.
 * JSON configs, `--option base=integrated-gradients` and the run form all give one of these.
 */
export type MethodRef = string | { plugin: string; options?: Record<string, unknown> };
export const MethodRef: z.ZodType<string | ResolvedMethodRef, MethodRef> = z.union([
  z.string().min(1),
  z.object({
    plugin: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
  }).strict(),
]);

/** A method reference in its full form, as the planner records it. */
export interface ResolvedMethodRef {
  plugin: string;
  options: Record<string, unknown>;
}

/** The full form of a reference: `{ plugin, options }`. */
export function normaliseMethodRef(ref: MethodRef): ResolvedMethodRef {
  return typeof ref === 'string' ? { plugin: ref, options: {} } : { plugin: ref.plugin, options: ref.options ?? {} };
}
