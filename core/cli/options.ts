import type { z } from 'zod';
import { GradlensError } from '../errors/errors.ts';

/**
 * Turns repeated `--option KEY=VALUE` flags into a method's raw options, which the run's plan
 * then validates with the method's schema. A value is read as JSON (numbers, booleans, arrays,
 * objects) unless the schema wants a string there. Dotted keys reach into nested options, e.g.
 * `--option base=integrated-gradients --option base.options.steps=16`.
 */
export function optionFlags(flags: string[] | undefined, schema: z.ZodType): Record<string, unknown> {
  const entries: [string[], string][] = [];
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new GradlensError(`expected KEY=VALUE, got '${flag}'`, { where: '--option' });
    const path = flag.slice(0, eq).split('.');
    if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new GradlensError(`invalid option name '${flag.slice(0, eq)}'`, { where: '--option' });
    }
    entries.push([path, flag.slice(eq + 1)]);
  }
  const typed = build(entries, (text) => asJson(text));
  const first = schema.safeParse(typed);
  if (first.success) return typed;
  // Values the schema rejected as JSON get a second chance as plain strings.
  const failing = new Set(first.error.issues.map((issue) => issue.path.map(String).join('.')));
  return build(entries, (text, key) => (failing.has(key) ? text : asJson(text)));
}

function build(entries: [string[], string][], value: (text: string, key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, text] of entries) {
    let at = out;
    for (const part of path.slice(0, -1)) {
      const next = at[part];
      if (typeof next === 'string') at[part] = { plugin: next };
      else if (typeof next !== 'object' || next === null) at[part] = {};
      at = at[part] as Record<string, unknown>;
    }
    const last = path[path.length - 1];
    const existing = at[last];
    // `base=NAME` after `base.options.x=...`: the name joins the options already given.
    if (typeof existing === 'object' && existing !== null && path.length === 1) {
      (existing as Record<string, unknown>).plugin = text;
    } else at[last] = value(text, path.join('.'));
  }
  return out;
}

function asJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
