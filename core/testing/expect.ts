import { resolve } from 'node:path';
import process from 'node:process';
import { attribute, type AttributeOptions } from '../pipeline/attribute.ts';
import { describeTargetRule } from '../attribution/targets.ts';
import { tf } from '../tensor/tf.ts';
import { GradlensError } from '../errors/errors.ts';
import { toLoadedModel } from '../models/define.ts';
import type { Batch, LoadedModel, MetricPlugin } from '../plugins/types.ts';
import { measureFor, MetricAssertion } from './metric-assertion.ts';
import { SANITY_THRESHOLD } from '../runs/metric-summary.ts';
import { writeFailurePng } from './artifacts.ts';
import { BoundAssertion } from './bounds.ts';
import { callerDir, callerFile } from './caller.ts';
import { AttributionAssertionError, type SampleFailure } from './error.ts';
import { readGolden, writeGolden } from './golden.ts';
import { type Mask, type ResolvedMask, resolveMask } from './masks.ts';
import { type MapBatch, massFraction, relativeMaxDifference, sampleOf, topKInside } from './measures.ts';

export interface ExpectAttributionOptions extends Omit<AttributeOptions, 'labels'> {
  /** Labels `[N]` when `batch` is a bare tensor (a Batch brings its own `y`). */
  labels?: tf.Tensor;
  /**
   * Where PNGs of failing maps go: a directory (relative to the calling test file), `false` for
   * none. Default: `$GRADLENS_ARTIFACTS_DIR`, else `__attribution__/` beside the calling file.
   */
  artifactsDir?: string | false;
  /** Names this expectation in messages and PNG file names (default: the method's name). */
  name?: string;
}

/** What a passing assertion measured, for logs and follow-up checks. */
export interface AssertionReport {
  /** One value per sample (for `onAverage()` assertions, still per sample). */
  values: number[];
  mean: number;
  /** Whether a golden file was (re)written instead of compared. */
  updated?: boolean;
}

/**
 * Starts assertions on the attribution maps of `model` for `batch`. Maps are computed once, on
 * the first assertion, with {@link attribute} (same targets, head and channel conventions as a
 * run) and kept as plain arrays; every tensor gradlens creates is disposed. The caller keeps
 * ownership of `model` and `batch`.
 *
 * ```ts
 * await expectAttribution(model, batch, { method: vanillaGradient }).massIn(mark).atMost(0.2);
 * ```
 *
 * `model` is anything {@link toLoadedModel} accepts; `batch` a Batch `{ x, y?, ids }` or an
 * input tensor; `method` a plugin, or a name looked up in `registry` (e.g. one filled from
 * `gradlens/plugins`). Failing assertions throw {@link AttributionAssertionError}.
 */
export function expectAttribution(
  model: unknown,
  batch: Batch | tf.Tensor,
  options: ExpectAttributionOptions,
): AttributionExpectation {
  return new AttributionExpectation(toLoadedModel(model), batch, options, callerFile());
}

export class AttributionExpectation {
  #cached?: Promise<Computed>;

  constructor(
    private readonly model: LoadedModel,
    private readonly batch: Batch | tf.Tensor,
    private readonly options: ExpectAttributionOptions,
    private readonly caller: string | undefined,
  ) {}

  /** The maps as a float array with their shape (`[N, H, W]` for images by default). */
  async maps(): Promise<MapBatch> {
    return (await this.#computed()).maps;
  }

  /** The share of each map's |mass| inside `mask`, in [0, 1]. */
  massIn(mask: Mask): MassAssertion {
    return new MassAssertion(this, mask, false);
  }

  /** The share of each map's |mass| outside `mask`, in [0, 1]. */
  massOutside(mask: Mask): MassAssertion {
    return new MassAssertion(this, mask, true);
  }

  /**
   * A metric of the maps (a registered name, looked up in `registry`, or a metric plugin), with
   * its options: `.metric('deletion-auc').atMost(0.2)`, `.onAverage().atLeast(...)`.
   */
  metric(metric: MetricPlugin | string, options?: Record<string, unknown>): MetricAssertion {
    const name = typeof metric === 'string' ? metric : metric.name;
    return new MetricAssertion(this, () => measureFor(this.model, this.batch, this.options, metric, options), name);
  }

  /**
   * The model parameter randomisation test (Adebayo et al. 2018): the maps must change when the
   * model's weights are randomised layer by layer from the top. Passes when the batch mean of
   * `model-randomisation` (by default the SSIM to the original maps, averaged over the cascade) is
   * at most `threshold` (default 0.3: on the Fashion-MNIST example the gradient scores 0.18 and
   * guided backprop 0.47). Options go to the metric (`similarity`, `abs`, `seed`, ...).
   */
  passesRandomisationCheck(
    options: { threshold?: number } & Record<string, unknown> = {},
  ): Promise<AssertionReport> {
    const { threshold = SANITY_THRESHOLD, ...metricOptions } = options;
    return this.metric('model-randomisation', metricOptions).onAverage().atMost(threshold as number);
  }

  /**
   * Asserts that, for every sample, at least `fraction` (default: all) of the `k` positions
   * with the largest |value| lie inside `region`.
   */
  async topKWithin(region: Mask, k: number, options: { fraction?: number } = {}): Promise<AssertionReport> {
    const { maps } = await this.#computed();
    const fraction = options.fraction ?? 1;
    const mask = resolveMask(region, maps.shape);
    const values = this.#perSample(maps, (map, i) => topKInside(map, mask.inside(i), k) / k);
    return this.check(values, (v) => v >= fraction, {
      what: `share of the top ${k} positions inside ${mask.describe}`,
      expected: `>= ${fraction}`,
      operator: '>=',
      label: `top${k}`,
      mask,
    });
  }

  /**
   * Compares the maps with a golden `.npy` (path relative to the calling test file): each
   * sample's largest |difference| must be at most `tolerance` (default 1e-4) times the golden
   * sample's largest |value|. With `GRADLENS_UPDATE_GOLDEN=1` the file is (re)written instead;
   * a missing file fails with that advice rather than being created silently.
   */
  async toMatchGolden(path: string, options: { tolerance?: number } = {}): Promise<AssertionReport> {
    const { maps } = await this.#computed();
    const file = resolve(callerDir(this.caller), path);
    if (process.env.GRADLENS_UPDATE_GOLDEN === '1') {
      writeGolden(file, maps);
      return { values: [], mean: NaN, updated: true };
    }
    const golden = readGolden(file);
    if (!golden) {
      throw new GradlensError('no golden maps here; run the test once with GRADLENS_UPDATE_GOLDEN=1 to write them', {
        where: file,
      });
    }
    if (golden.shape.join(',') !== maps.shape.join(',')) {
      throw new AttributionAssertionError(
        `${this.#name()}: maps have shape [${maps.shape}], the golden maps [${golden.shape}] (${file}); ` +
          'rewrite them with GRADLENS_UPDATE_GOLDEN=1 if the change is intended',
        { failures: [], expected: `[${golden.shape}]`, operator: 'shape' },
      );
    }
    const tolerance = options.tolerance ?? 1e-4;
    const values = this.#perSample(maps, (map, i) => relativeMaxDifference(map, sampleOf(golden, i)));
    return this.check(values, (v) => v <= tolerance, {
      what: `largest difference from ${file} (relative to the golden map's largest |value|)`,
      expected: `<= ${tolerance}`,
      operator: '<=',
      label: 'golden',
    });
  }

  /**
   * Computes the maps a second time and asserts each sample matches the first computation to
   * `tolerance` (default 0: bit-identical), relative to its largest |value|.
   */
  async deterministic(options: { tolerance?: number } = {}): Promise<AssertionReport> {
    const first = (await this.#computed()).maps;
    const second = (await compute(this.model, this.batch, this.options)).maps;
    const tolerance = options.tolerance ?? 0;
    const values = this.#perSample(second, (map, i) => relativeMaxDifference(map, sampleOf(first, i)));
    return this.check(values, (v) => v <= tolerance, {
      what: 'difference between two computations (relative to the largest |value|)',
      expected: `<= ${tolerance}`,
      operator: '<=',
      label: 'deterministic',
    });
  }

  /**
   * Checks per-sample `values` against `pass`; on failure writes the PNG and throws. Shared by
   * every assertion (and by {@link MassAssertion}); `mean` checks only the batch mean.
   */
  async check(
    values: number[],
    pass: (v: number) => boolean,
    spec: { what: string; expected: string; operator: string; label: string; mask?: ResolvedMask; mean?: boolean },
  ): Promise<AssertionReport> {
    const computed = await this.#computed();
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const failing = spec.mean
      ? (pass(mean) ? [] : values.map((_, i) => i))
      : values.flatMap((v, i) => (pass(v) ? [] : [i]));
    if (failing.length === 0) return { values, mean };
    const failures: SampleFailure[] = failing.map((i) => ({
      index: i,
      id: computed.ids[i],
      value: values[i],
      target: computed.targets[i],
    }));
    const dir = this.#artifactsDir();
    const artifact = dir === undefined ? undefined : writeFailurePng({
      dir,
      caller: this.caller,
      label: `${this.#name()}.${spec.label}`,
      samples: failing,
      maps: computed.maps,
      inputs: computed.inputs,
      inside: spec.mask ? (i) => spec.mask!.inside(i) : undefined,
    });
    const head = spec.mean
      ? `${this.#name()}: mean ${spec.what} is ${fmt(mean)}, expected ${spec.expected}`
      : `${this.#name()}: ${spec.what} should be ${spec.expected}; ${failing.length} of ${values.length} samples fail`;
    // With a bound on the mean, per-sample values are context, not individual failures.
    const bound = spec.mean ? '' : `, expected ${spec.expected}`;
    const listed = failures.slice(0, 10).map((f) =>
      `  sample ${f.index} (id ${f.id}, target ${f.target}): ${fmt(f.value)}${bound}`
    );
    if (failures.length > 10) listed.push(`  ... and ${failures.length - 10} more`);
    throw new AttributionAssertionError([head, ...listed].join('\n'), {
      failures,
      expected: spec.expected,
      operator: spec.operator,
      artifact,
    });
  }

  /** Per-sample values of `measure` on the maps (used by {@link MassAssertion}). */
  async perSample(measure: (map: Float32Array, i: number) => number): Promise<number[]> {
    return this.#perSample((await this.#computed()).maps, measure);
  }

  async mapShape(): Promise<number[]> {
    return (await this.#computed()).maps.shape;
  }

  #perSample(maps: MapBatch, measure: (map: Float32Array, i: number) => number): number[] {
    return Array.from({ length: maps.shape[0] }, (_, i) => measure(sampleOf(maps, i), i));
  }

  #computed(): Promise<Computed> {
    this.#cached ??= compute(this.model, this.batch, this.options);
    return this.#cached;
  }

  #name(): string {
    const method = typeof this.options.method === 'string' ? this.options.method : this.options.method.name;
    const target = describeTargetRule(this.options.target ?? (this.#labels() ? 'label' : 'predicted'));
    return this.options.name ?? `${method} (target ${target})`;
  }

  #labels(): tf.Tensor | undefined {
    return this.batch instanceof tf.Tensor ? this.options.labels : this.batch.y ?? this.options.labels;
  }

  #artifactsDir(): string | undefined {
    const option = this.options.artifactsDir ?? process.env.GRADLENS_ARTIFACTS_DIR;
    if (option === false || option === '0') return undefined;
    return resolve(callerDir(this.caller), option ?? '__attribution__');
  }
}

/** Bounds on the share of each map's |mass| inside (or outside) a mask. */
export class MassAssertion extends BoundAssertion {
  constructor(
    private readonly expectation: AttributionExpectation,
    private readonly mask: Mask,
    private readonly outside: boolean,
    private readonly mean = false,
  ) {
    super();
  }

  /** Checks the batch mean instead of every sample. */
  onAverage(): MassAssertion {
    return new MassAssertion(this.expectation, this.mask, this.outside, true);
  }

  protected override async checkBound(
    pass: (v: number) => boolean,
    expected: string,
    operator: string,
  ): Promise<AssertionReport> {
    const mask = resolveMask(this.mask, await this.expectation.mapShape());
    const values = await this.expectation.perSample((map, i) => {
      const inside = massFraction(map, mask.inside(i));
      return this.outside ? 1 - inside : inside;
    });
    return this.expectation.check(values, (v) => !Number.isNaN(v) && pass(v), {
      what: `share of |attribution| ${this.outside ? 'outside' : 'inside'} ${mask.describe}`,
      expected,
      operator,
      label: this.outside ? 'mass-outside' : 'mass-in',
      mask,
      mean: this.mean,
    });
  }
}

interface Computed {
  maps: MapBatch;
  targets: number[];
  ids: string[];
  /** The inputs, for drawing failures. */
  inputs: MapBatch;
}

async function compute(
  model: LoadedModel,
  batch: Batch | tf.Tensor,
  options: ExpectAttributionOptions,
): Promise<Computed> {
  const x = batch instanceof tf.Tensor ? batch : batch.x;
  const labels = batch instanceof tf.Tensor ? options.labels : batch.y ?? options.labels;
  const ids = batch instanceof tf.Tensor ? [] : batch.ids;
  const extra = batch instanceof tf.Tensor ? undefined : batch.extra;
  const result = await attribute(model, x, { ...options, labels, extra: options.extra ?? extra });
  try {
    const maps = { data: Float32Array.from(await result.maps.data()), shape: result.maps.shape };
    const targets = Array.from(await result.targets.data());
    const inputs = { data: Float32Array.from(await x.data()), shape: x.shape };
    const n = x.shape[0];
    return { maps, targets, inputs, ids: ids.length === n ? ids : Array.from({ length: n }, (_, i) => String(i)) };
  } finally {
    result.maps.dispose();
    result.targets.dispose();
    for (const t of Object.values(result.perSample)) t.dispose();
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(3) : v.toExponential(2)) : String(v);
}
