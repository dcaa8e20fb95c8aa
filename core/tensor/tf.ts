/**
 * The one place gradlens imports TensorFlow.js from, so every module shares a single engine
 * (one tfjs-core instance, one registered backend).
 */
export * as tf from '@tensorflow/tfjs';
export type { Rank, Tensor } from '@tensorflow/tfjs';
