import type { AssertionReport } from './expect.ts';

/**
 * The bounds of an assertion on one value per sample (or their mean): `atMost`, `atLeast` and
 * `between`, each handed to the assertion's own check with how it reads in a failure report.
 */
export abstract class BoundAssertion {
  atMost(bound: number): Promise<AssertionReport> {
    return this.checkBound((v) => v <= bound, `<= ${bound}`, '<=');
  }

  atLeast(bound: number): Promise<AssertionReport> {
    return this.checkBound((v) => v >= bound, `>= ${bound}`, '>=');
  }

  between(low: number, high: number): Promise<AssertionReport> {
    return this.checkBound((v) => v >= low && v <= high, `in [${low}, ${high}]`, 'between');
  }

  protected abstract checkBound(
    pass: (v: number) => boolean,
    expected: string,
    operator: string,
  ): Promise<AssertionReport>;
}
