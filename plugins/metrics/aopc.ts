/**
 * AOPC (Samek et al. 2017) of perturbation curves `[N, K]` (K = L + 1 points, the first the
 * unperturbed score): 1/(L+1) sum_k (y_0 - y_k), per sample.
 */
export function aopc(y: Float32Array, k: number): Float32Array {
  const n = y.length / k;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += y[i * k] - y[i * k + j];
    out[i] = sum / k;
  }
  return out;
}
