import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../core/tensor/tf.ts';

/**
 * Saves a LayersModel as `dir/model.json` plus one `dir/weights.bin`, the layout tfjs's
 * `file://` handler writes, without needing tfjs-node: `withSaveHandler` hands us the artifacts.
 * `metadata` becomes `userDefinedMetadata` (the layers-model plugin reads `classNames` there).
 */
export async function saveModel(model: tf.LayersModel, dir: string, metadata: Record<string, unknown>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler((artifacts) => {
    const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
    writeFileSync(join(dir, 'weights.bin'), weights);
    const json = {
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      userDefinedMetadata: metadata,
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return Promise.resolve({
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weights.byteLength,
      },
    });
  }));
}
