/**
 * Writes the example's photographs: scikit-image's test images (Debian's `python3-skimage`),
 * centre-cropped to a square and reduced to 224x224 RGB PNGs under `images/<class>/`, the class
 * folders named and ordered as nsfwjs's classes so folder labels are the model's class indices.
 * Usage: `npx tsx examples/mobilenet-v2/prepare-images.ts [skimage data dir]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../core/engine/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { decodeImageFile, encodePng } from '../../core/io/images.ts';

/** Source file in skimage/data, the class folder it goes into, the file name written. */
export const IMAGES: { source: string; label: string; name: string }[] = [
  { source: 'astronaut.png', label: 'Neutral', name: 'astronaut.png' },
  { source: 'chelsea.png', label: 'Neutral', name: 'chelsea.png' },
  { source: 'coffee.png', label: 'Neutral', name: 'coffee.png' },
  { source: 'rocket.jpg', label: 'Neutral', name: 'rocket.png' },
  { source: 'camera.png', label: 'Neutral', name: 'camera.png' },
  { source: 'hubble_deep_field.jpg', label: 'Neutral', name: 'hubble-deep-field.png' },
  { source: 'retina.jpg', label: 'Neutral', name: 'retina.png' },
  { source: 'horse.png', label: 'Drawing', name: 'horse-silhouette.png' },
];

const SIZE = 224;
const here = dirname(fileURLToPath(import.meta.url));

/** Centre square crop, then area-averaged down to SIZE x SIZE (bilinear to 4x, 4x4 mean). */
function toSquare(path: string): Uint8Array {
  const img = decodeImageFile(path);
  return tf.tidy(() => {
    const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32').toFloat();
    // Greyscale PNGs decode with R = G = B; alpha is dropped.
    const rgb = rgba.slice([0, 0, 0], [-1, -1, 3]);
    const side = Math.min(img.height, img.width);
    const top = Math.floor((img.height - side) / 2);
    const left = Math.floor((img.width - side) / 2);
    const square = rgb.slice([top, left, 0], [side, side, 3]);
    const big = tf.image.resizeBilinear(square as tf.Tensor3D, [SIZE * 4, SIZE * 4], true);
    const small = tf.avgPool(big as tf.Tensor3D, 4, 4, 'valid');
    const rgbBytes = small.round().clipByValue(0, 255);
    const alpha = tf.fill([SIZE, SIZE, 1], 255);
    return new Uint8Array(tf.concat([rgbBytes, alpha], 2).toInt().dataSync());
  });
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('prepare-images.ts')) {
  await initBackend('cpu');
  const source = process.argv[2] ?? '/usr/lib/python3/dist-packages/skimage/data';
  for (const label of ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']) {
    mkdirSync(join(here, 'images', label), { recursive: true });
  }
  for (const image of IMAGES) {
    const data = toSquare(join(source, image.source));
    const out = join(here, 'images', image.label, image.name);
    writeFileSync(out, encodePng({ width: SIZE, height: SIZE, data }));
    console.log(`${image.source} -> ${out}`);
  }
}
