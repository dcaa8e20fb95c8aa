/** One sample that broke an assertion. */
export interface SampleFailure {
  /** Position in the batch. */
  index: number;
  /** The batch's identifier for the sample. */
  id: string;
  /** The measured value. */
  value: number;
  /** The class its map explains. */
  target?: number;
}

/**
 * Thrown by a failing attribution assertion. Shaped like Node's `assert.AssertionError`
 * (`actual`, `expected`, `operator`, `code`), which uvu, node:test and Deno.test all report as
 * a failed assertion, without depending on any of them.
 */
export class AttributionAssertionError extends Error {
  override name = 'AttributionAssertionError';
  readonly code = 'ERR_ASSERTION';
  readonly generatedMessage = false;
  /** The measured values of the failing samples. */
  readonly actual: number[];
  /** The bound, as text (e.g. `<= 0.2`). */
  readonly expected: string;
  readonly operator: string;
  readonly failures: SampleFailure[];
  /** The PNG of the offending maps, when one was written. */
  readonly artifact?: string;

  constructor(
    message: string,
    details: { failures: SampleFailure[]; expected: string; operator: string; artifact?: string },
  ) {
    super(details.artifact ? `${message}\n  maps: ${details.artifact}` : message);
    this.failures = details.failures;
    this.actual = details.failures.map((f) => f.value);
    this.expected = details.expected;
    this.operator = details.operator;
    this.artifact = details.artifact;
  }
}
