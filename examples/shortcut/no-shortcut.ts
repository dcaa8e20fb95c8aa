/**
 * The check a project would keep in its test suite: the model must not decide by the mark. On
 * marked images, at most `bound` (default 20%) of each vanilla-gradient map's mass may lie in the
 * band where the marks are (the top 3 rows: 11% of the pixels). A model that reads the mark puts
 * most of its gradient there and fails, with a PNG of its maps beside the calling test.
 *
 * tests/examples/shortcut.test.ts runs it on both models: it throws for the cheating model and
 * holds for the clean one.
 */
import type { tf } from '../../core/tensor/tf.ts';
import type { Batch } from '../../core/plugins/types.ts';
import { type AssertionReport, expectAttribution, type ExpectAttributionOptions } from '../../core/testing/index.ts';
import { vanillaGradient } from '../../plugins/attributions/vanilla-gradient.ts';
import { MARK_BAND } from './mark.ts';

export function expectNoShortcut(
  model: unknown,
  batch: Batch | tf.Tensor,
  options: { bound?: number } & Partial<ExpectAttributionOptions> = {},
): Promise<AssertionReport> {
  const { bound = 0.2, ...rest } = options;
  return expectAttribution(model, batch, { method: vanillaGradient, name: 'no-shortcut', ...rest })
    .massIn(MARK_BAND)
    .atMost(bound);
}
