/**
 * gradlens/testing: assertions on attribution maps for any test runner (uvu, node:test,
 * Deno.test, ...). Failures throw {@link AttributionAssertionError}, which runners report like a
 * failed `assert`, and write a PNG of the offending maps beside the test.
 *
 * ```ts
 * import { expectAttribution } from 'gradlens/testing';
 * import plugins from 'gradlens/plugins';
 * import { Registry } from 'gradlens';
 *
 * const registry = new Registry();
 * for (const plugin of plugins) registry.register(plugin);
 *
 * const mark = { top: 0, left: 0, height: 3, width: 28 };
 * await expectAttribution(model, batch, { method: 'vanilla-gradient', registry }).massIn(mark).atMost(0.2);
 * ```
 *
 * Environment: `GRADLENS_UPDATE_GOLDEN=1` rewrites golden maps; `GRADLENS_ARTIFACTS_DIR` sets
 * where failure PNGs go (`0` for none).
 */
export {
  type AssertionReport,
  AttributionExpectation,
  expectAttribution,
  type ExpectAttributionOptions,
  MassAssertion,
} from './expect.ts';
export { MetricAssertion } from './metric-assertion.ts';
export { AttributionAssertionError, type SampleFailure } from './error.ts';
export { type Mask, type Rect } from './masks.ts';
export { type MapBatch, massFraction, relativeMaxDifference, topKInside } from './measures.ts';
