import { z } from 'zod';

/** Quadrature rules for path integrals over alpha in [0, 1] (integrated gradients). */
export type QuadratureRule = 'left' | 'right' | 'middle' | 'trapezoid' | 'gauss-legendre';
export const QuadratureRule: z.ZodType<QuadratureRule, QuadratureRule> = z.enum([
  'left',
  'right',
  'middle',
  'trapezoid',
  'gauss-legendre',
]);

/** Points alpha_k in [0, 1] and weights w_k (summing to 1) such that sum_k w_k g(alpha_k) ~ int_0^1 g. */
export interface Quadrature {
  alphas: number[];
  weights: number[];
}

/**
 * `steps` points of a rule: Riemann sums with the `left`, `right` or `middle` point of each of
 * `steps` equal intervals; `trapezoid` on `steps` evenly spaced points including both ends
 * (needs steps >= 2); `gauss-legendre` on `steps` nodes, exact for polynomials of degree 2 steps - 1.
 */
export function quadrature(rule: QuadratureRule, steps: number): Quadrature {
  const range = Array.from({ length: steps }, (_, k) => k);
  switch (rule) {
    case 'left':
      return { alphas: range.map((k) => k / steps), weights: range.map(() => 1 / steps) };
    case 'right':
      return { alphas: range.map((k) => (k + 1) / steps), weights: range.map(() => 1 / steps) };
    case 'middle':
      return { alphas: range.map((k) => (k + 0.5) / steps), weights: range.map(() => 1 / steps) };
    case 'trapezoid': {
      if (steps < 2) throw new RangeError('the trapezoid rule needs at least 2 steps');
      const h = 1 / (steps - 1);
      return { alphas: range.map((k) => k * h), weights: range.map((k) => (k === 0 || k === steps - 1 ? h / 2 : h)) };
    }
    case 'gauss-legendre':
      return gaussLegendre(steps);
  }
}

/** Gauss-Legendre nodes on [-1, 1] by Newton's method on P_n, mapped to [0, 1]. */
function gaussLegendre(n: number): Quadrature {
  const alphas: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      // P_n(x) and P_{n-1}(x) by the three-term recurrence.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      derivative = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    alphas.push((1 - x) / 2);
    weights.push(1 / ((1 - x * x) * derivative * derivative));
  }
  return { alphas, weights };
}
