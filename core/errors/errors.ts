/**
 * An error the user can act on: it says what was wrong, where, and what would be right.
 * The CLI prints its message on one line and exits with code 2, without a stack trace.
 */
export class GradlensError extends Error {
  override name = 'GradlensError';
  /** Where the problem is: a file path, a config field or a CLI flag. */
  readonly where?: string;

  constructor(message: string, options: { where?: string; cause?: unknown } = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.where = options.where;
  }
}

/** True for errors that carry a user-facing message (as opposed to bugs). */
export function isUserError(error: unknown): error is GradlensError {
  return error instanceof GradlensError;
}

/** Formats zod issues as `field.path: message; ...` so a user sees which field failed. */
export function describeZodIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * A request for something the workspace does not allow (a path outside its roots, an option that
 * loads code). The server answers 403; the CLI exits with code 2 like any user error. Its message
 * never carries a resolved path outside the workspace nor a file's contents.
 */
export class AccessError extends GradlensError {
  override name = 'AccessError';
  readonly status = 403;
}
