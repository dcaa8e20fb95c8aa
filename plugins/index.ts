/**
 * The built-in plugins. They are registered through the same `Registry.register` as a user's
 * plugins; nothing in core refers to them.
 */
import { graphModel } from './models/graph-model.ts';
import { layersModel } from './models/layers-model.ts';
import { moduleModel } from './models/module-model.ts';
import { nsfwjsModel } from './models/nsfwjs.ts';
import { idxDataset } from './datasets/idx.ts';
import { imageFolderDataset } from './datasets/image-folder.ts';
import { npyDataset } from './datasets/npy.ts';
import { vanillaGradient } from './attributions/vanilla-gradient.ts';
import { gradientXInput } from './attributions/gradient-x-input.ts';
import { smoothgrad } from './attributions/smoothgrad.ts';
import { smoothgradSquared } from './attributions/smoothgrad-squared.ts';
import { vargrad } from './attributions/vargrad.ts';
import { integratedGradients } from './attributions/integrated-gradients.ts';
import { guidedBackprop } from './attributions/guided-backprop.ts';
import { gradCam } from './attributions/grad-cam.ts';
import { guidedGradCam } from './attributions/guided-grad-cam.ts';
import { occlusion } from './attributions/occlusion.ts';
import { rise } from './attributions/rise.ts';
import { deletionAuc } from './metrics/deletion-auc.ts';
import { insertionAuc } from './metrics/insertion-auc.ts';
import { sparseness } from './metrics/sparseness.ts';
import { complexity } from './metrics/complexity.ts';
import { pixelFlipping } from './metrics/pixel-flipping.ts';
import { regionPerturbation } from './metrics/region-perturbation.ts';
import { faithfulnessCorrelation } from './metrics/faithfulness-correlation.ts';
import { infidelity } from './metrics/infidelity.ts';
import { modelRandomisation } from './metrics/model-randomisation.ts';
import { randomLogit } from './metrics/random-logit.ts';
import { pointingGame } from './metrics/pointing-game.ts';
import { relevanceMass } from './metrics/relevance-mass.ts';
import { relevanceRank } from './metrics/relevance-rank.ts';
import { avgSensitivity, maxSensitivity } from './metrics/sensitivity.ts';
import { type Plugin, Registry } from '../core/index.ts';

export const plugins: Plugin[] = [
  layersModel,
  graphModel,
  moduleModel,
  nsfwjsModel,
  npyDataset,
  idxDataset,
  imageFolderDataset,
  vanillaGradient,
  gradientXInput,
  smoothgrad,
  smoothgradSquared,
  vargrad,
  integratedGradients,
  guidedBackprop,
  gradCam,
  guidedGradCam,
  occlusion,
  rise,
  deletionAuc,
  insertionAuc,
  pixelFlipping,
  regionPerturbation,
  faithfulnessCorrelation,
  infidelity,
  modelRandomisation,
  randomLogit,
  pointingGame,
  relevanceMass,
  relevanceRank,
  maxSensitivity,
  avgSensitivity,
  sparseness,
  complexity,
] as Plugin[];

export default plugins;

/** A registry holding every built-in plugin, as the `gradlens` command builds it. */
export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const plugin of plugins) registry.register(plugin, 'gradlens/plugins');
  return registry;
}

export {
  complexity,
  deletionAuc,
  gradCam,
  gradientXInput,
  graphModel,
  guidedBackprop,
  guidedGradCam,
  idxDataset,
  imageFolderDataset,
  insertionAuc,
  integratedGradients,
  layersModel,
  moduleModel,
  npyDataset,
  nsfwjsModel,
  occlusion,
  rise,
  smoothgrad,
  smoothgradSquared,
  sparseness,
  vanillaGradient,
  vargrad,
};
