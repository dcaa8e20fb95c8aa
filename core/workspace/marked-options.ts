import { z } from 'zod';
import { AccessError } from '../errors/errors.ts';
import { CODE_MARK, PATH_MARK, type PathKind } from '../plugins/option-marks.ts';

/** An option value a plugin's schema marks as a path or as code to load. */
export interface MarkedOption {
  /** Where it sits in the options, e.g. `['extra', 'mask']`. */
  at: (string | number)[];
  kind: 'path' | 'code';
  pathKind?: PathKind;
  value: string;
}

type JsonSchema = Record<string, unknown>;

/** JSON Schema of options (as the run form sees them), or an error when the schema has none. */
export function optionsJsonSchema(schema: unknown, where: string): JsonSchema {
  try {
    return z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    throw new AccessError('options cannot be inspected for paths, so the dashboard does not accept them', { where });
  }
}

/**
 * Every string in `value` that the schema marks with `pathOption()` or `codeOption()`. Where a
 * union could read a string either way it counts as marked, unless an enum or constant of the
 * union takes it (`'zeros'` versus a baseline path), or it equals the option's declared default.
 */
export function markedOptions(schema: unknown, value: unknown, where = 'options'): MarkedOption[] {
  const out = new Map<string, MarkedOption>();
  walk(optionsJsonSchema(schema, where), value, [], out);
  return [...out.values()];
}

function walk(s: unknown, v: unknown, at: (string | number)[], out: Map<string, MarkedOption>): void {
  if (!s || typeof s !== 'object') return;
  const schema = s as JsonSchema;
  // The plugin's own default (e.g. the system's Fashion-MNIST folder) comes from code registered
  // at start, not from the request.
  if (typeof v === 'string' && schema.default === v) return;
  const branches = [schema.anyOf, schema.oneOf, schema.allOf].filter(Array.isArray).flat() as JsonSchema[];
  if (branches.length > 0) {
    const literal = typeof v === 'string' &&
      branches.some((b) => (Array.isArray(b.enum) && b.enum.includes(v)) || b.const === v);
    if (!literal) { for (const branch of branches) walk(branch, v, at, out); }
  }
  if (typeof v === 'string') {
    const key = JSON.stringify(at);
    if (schema[CODE_MARK]) out.set(key, { at, kind: 'code', value: v });
    else if (schema[PATH_MARK] && out.get(key)?.kind !== 'code') {
      out.set(key, { at, kind: 'path', pathKind: schema[PATH_MARK] as PathKind, value: v });
    }
    return;
  }
  if (Array.isArray(v)) {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    v.forEach((item, i) => walk(prefix[i] ?? schema.items, item, [...at, i], out));
    return;
  }
  if (v && typeof v === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    for (const [key, item] of Object.entries(v)) {
      const sub = Object.hasOwn(properties, key) ? properties[key] : schema.additionalProperties;
      walk(sub, item, [...at, key], out);
    }
  }
}

/** A copy of `value` with the value at `at` replaced. */
export function replaceAt<T>(value: T, at: (string | number)[], next: unknown): T {
  if (at.length === 0) return next as T;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[at[0]] = replaceAt(copy[at[0]], at.slice(1), next);
  return copy as T;
}
