import type { z } from 'zod';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';

/**
 * Turns repeated `--option KEY=VALUE` flags into options validated by a method's zod schema.
 * A value is read as JSON (numbers, booleans, arrays) unless the schema wants a string there;
 * errors name the field and the method.
 */
export function parseOptionFlags<T>(flags: string[] | undefined, schema: z.ZodType<T>, where: string): T {
  const raw: Record<string, string> = {};
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new GradlensError(`expected KEY=VALUE, got '${flag}'`, { where: '--option' });
    raw[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  const typed = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, asJson(v)]));
  const first = schema.safeParse(typed);
  if (first.success) return first.data;
  // Keys the schema rejected as JSON values get a second chance as plain strings.
  const retry = { ...typed };
  for (const issue of first.error.issues) {
    const key = String(issue.path[0] ?? '');
    if (key in raw) retry[key] = raw[key];
  }
  const second = schema.safeParse(retry);
  if (second.success) return second.data;
  throw new GradlensError(`invalid option: ${describeZodIssues(first.error.issues)}`, { where });
}

function asJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
