/**
 * Seeded randomness for attribution methods: the same seed gives the same maps on every
 * runtime and backend, whatever `maxBatch` is, because seeds are derived per sample and pass
 * rather than per call.
 */

/** A 32-bit seed from several integers (e.g. the user's seed, a pass index, a sample index). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/** The user's seed, or a fresh one when none was given (maps then differ from run to run). */
export function seedOrRandom(seed: number | undefined): number {
  return seed ?? Math.floor(Math.random() * 0x100000000);
}

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function uniformSource(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
