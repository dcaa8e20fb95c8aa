import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AccessError, isUserError } from '../../../core/index.ts';

/**
 * Every error becomes JSON `{ error }`: HTTP exceptions keep their status, AccessErrors (outside
 * the workspace, code from a request) 403, GradlensErrors (bad input the core refused) 400, anything else is a bug and says so with a 500.
 */
export function onError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
  if (error instanceof AccessError) return c.json({ error: error.message }, 403);
  if (isUserError(error)) return c.json({ error: error.message }, 400);
  console.error(error);
  return c.json({ error: `internal error: ${error.message}` }, 500);
}

export function notFound(message: string): HTTPException {
  return new HTTPException(404, { message });
}
