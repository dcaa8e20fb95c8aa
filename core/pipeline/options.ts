import type { z } from 'zod';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';

/**
 * Validates a plugin's options with its zod schema: the one place options are parsed, whether
 * they come from a run config, CLI flags, the dashboard or code. Errors name the plugin's place
 * (`where`, e.g. `methods[1].options (smoothgrad)`) and each failing field.
 */
export function parsePluginOptions<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new GradlensError(`invalid options: ${describeZodIssues(result.error.issues)}`, { where });
  }
  return result.data;
}
