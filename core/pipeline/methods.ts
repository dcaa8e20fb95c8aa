import { mixSeed } from '../attribution/random.ts';
import { GradlensError } from '../errors/errors.ts';
import { normaliseMethodRef } from '../plugins/method-ref.ts';
import { MethodRef } from '../plugins/method-ref.ts';
import type {
  AttributionInput,
  AttributionNeed,
  AttributionOutput,
  AttributionPlugin,
  LoadedModel,
  MethodCost,
  WrappedMethod,
} from '../plugins/types.ts';
import { tf } from '../tensor/tf.ts';
import { parsePluginOptions } from './options.ts';

/** Looks a method up by its registered name (a Registry's `get('attribution', name)`). */
export type MethodResolver = (name: string) => AttributionPlugin;

export interface PrepareContext {
  /** Resolves the methods wrappers name; without it only a wrapper's default can be used. */
  resolve?: MethodResolver;
  /** Draws a seed for a seeded method given none (default: uniform over 32 bits). */
  drawSeed?: () => number;
}

/** Wrappers may wrap wrappers, this deep at most: each level multiplies the cost. */
const MAX_DEPTH = 4;

/**
 * A method with everything decided: options parsed and complete (seeds drawn, wrapped methods in
 * their full form), wrapped methods prepared in turn. The planner makes one per method of a run;
 * a worker rebuilds the same from the recorded options (parsing them again changes nothing).
 */
export interface PreparedMethod {
  plugin: AttributionPlugin;
  /** The options as recorded in the manifest. */
  options: Record<string, unknown>;
  /** The method's needs and those of every method it wraps. */
  needs: AttributionNeed[];
  /** Prepared wrapped methods, by option key. */
  wrapped: Record<string, PreparedMethod>;
  /** Whether its maps depend on a seed (its own or a wrapped method's). */
  seeded: boolean;
  /** Model evaluations per sample, when the method declares them. */
  cost(sampleShape: number[]): MethodCost | undefined;
  /** Throws a GradlensError saying why, when the model does not fit the method (`check`s). */
  check(model: LoadedModel, sampleShape: number[]): void;
  /** Raw maps (of the input's shape) and per-sample statistics for a batch. */
  attribute(input: AttributionInput, override?: { seed?: number }): Promise<AttributionOutput>;
}

/**
 * Parses a method's options and prepares what it wraps. `where` names the method's place in
 * the config (e.g. `methods[0].options (smoothgrad)`) for every error below it.
 */
export function prepareMethod(
  plugin: AttributionPlugin,
  rawOptions: unknown,
  where: string,
  context: PrepareContext = {},
  depth = 0,
): PreparedMethod {
  if (depth > MAX_DEPTH) {
    throw new GradlensError(`wrappers nest at most ${MAX_DEPTH} deep`, { where });
  }
  let options = parsePluginOptions(plugin.options, rawOptions, where) as Record<string, unknown>;
  const ownSeed = plugin.seeded?.(options as never) ?? false;
  if (ownSeed && options.seed === undefined) {
    const draw = context.drawSeed ?? (() => Math.floor(Math.random() * 0x80000000));
    options = parsePluginOptions(plugin.options, { ...options, seed: draw() }, where) as Record<string, unknown>;
  }
  const wrapped: Record<string, PreparedMethod> = {};
  for (const [key, spec] of Object.entries(plugin.wraps ?? {})) {
    const at = `${where}.${key}`;
    const given = options[key] === undefined ? undefined : parsePluginOptions(MethodRef, options[key], at);
    const ref = given === undefined ? { plugin: spec.default.name, options: {} } : normaliseMethodRef(given);
    const inner = given === undefined ? spec.default : resolveWrapped(ref.plugin, context, spec.default, at);
    const child = prepareMethod(inner, ref.options, `${at} (${inner.name})`, context, depth + 1);
    const missing = (spec.requires ?? []).filter((need) => !child.needs.includes(need));
    if (missing.length > 0) {
      throw new GradlensError(
        `'${plugin.name}' wraps methods that need ${spec.requires!.join(', ')}; '${inner.name}' needs ${
          child.needs.join(', ')
        }`,
        { where: at },
      );
    }
    wrapped[key] = child;
    options = { ...options, [key]: { plugin: inner.name, options: child.options } };
  }
  const children = Object.values(wrapped);
  const needs = unionNeeds([plugin.needs, ...children.map((c) => c.needs)]);
  const seeded = ownSeed || children.some((c) => c.seeded);
  const prepared: PreparedMethod = {
    plugin,
    options,
    needs,
    wrapped,
    seeded,
    cost(sampleShape) {
      const inner: Record<string, MethodCost> = {};
      for (const [key, child] of Object.entries(wrapped)) {
        const c = child.cost(sampleShape);
        if (c) inner[key] = c;
      }
      return plugin.cost?.(options as never, sampleShape, inner);
    },
    check(model, sampleShape) {
      try {
        plugin.check?.(options as never, model, sampleShape);
      } catch (error) {
        throw new GradlensError(`'${plugin.name}' does not fit this model: ${(error as Error).message}`, {
          where,
          cause: error,
        });
      }
      for (const child of children) child.check(model, sampleShape);
    },
    async attribute(input, override) {
      const seed = override?.seed;
      const own = seed !== undefined && ownSeed ? { ...options, seed } : options;
      const bound = Object.fromEntries(
        Object.entries(wrapped).map(([key, child], i) => [
          key,
          asWrapped(child, seed === undefined ? undefined : mixSeed(seed, i + 1)),
        ]),
      );
      const raw = await plugin.attribute({ ...input, wrapped: bound }, own as never);
      return raw instanceof tf.Tensor ? { map: raw } : raw;
    },
  };
  return prepared;
}

/** A prepared method as its wrapper sees it; `inherited` re-seeds a whole subtree per call. */
function asWrapped(method: PreparedMethod, inherited: number | undefined): WrappedMethod {
  const planned = method.options.seed as number | undefined;
  return {
    name: method.plugin.name,
    seeded: method.seeded,
    seed: inherited ?? planned,
    attribute: (input, override) => method.attribute(input, { seed: override?.seed ?? inherited }),
  };
}

function resolveWrapped(
  name: string,
  context: PrepareContext,
  fallback: AttributionPlugin,
  where: string,
): AttributionPlugin {
  if (context.resolve) {
    try {
      return context.resolve(name);
    } catch (error) {
      throw new GradlensError((error as Error).message, { where, cause: error });
    }
  }
  if (name === fallback.name) return fallback;
  throw new GradlensError(`method '${name}' given by name, but no registry was passed; pass { registry }`, { where });
}

/** Needs of a method and what it wraps; `forward-only` only when nothing more is needed. */
function unionNeeds(lists: AttributionNeed[][]): AttributionNeed[] {
  const all = [...new Set(lists.flat())];
  const more = all.filter((n) => n !== 'forward-only');
  return more.length > 0 ? more : all;
}
