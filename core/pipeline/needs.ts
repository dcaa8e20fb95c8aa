import type { AttributionNeed } from '../plugins/types.ts';

/** Whether a model offers one thing a method may need, and why not when it does not. */
export interface Capability {
  ok: boolean;
  reason?: string;
}

/** What a model offers the methods, measured once when a run is planned (or a model probed). */
export interface ModelCapabilities {
  gradients: Capability;
  layer: Capability;
  'forward-only': Capability;
  /** Whether the model exposes weighted layers that a metric may randomise (model-randomisation). */
  weights?: Capability;
  /** Layers with a spatial `[H, W, C]` output, in model order (what `layer` methods can read). */
  spatialLayers: string[];
}

/**
 * The reasons a model cannot serve `needs`, one line each (empty when it can). Pure: the
 * dashboard uses it on the capabilities a probe reported to grey out unfit methods.
 */
export function unmetNeeds(
  needs: readonly AttributionNeed[],
  capabilities: Pick<ModelCapabilities, AttributionNeed>,
): string[] {
  return needs.flatMap((need) => {
    const c = capabilities[need];
    return c && !c.ok ? [`needs ${NEED_WORDS[need]}, but ${c.reason ?? 'the model does not offer it'}`] : [];
  });
}

const NEED_WORDS: Record<AttributionNeed, string> = {
  gradients: 'gradients',
  layer: 'a layer with a spatial [H, W, C] output',
  'forward-only': 'forward passes',
};
