import type { MiddlewareHandler } from 'hono';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Compares in time independent of where the strings first differ. */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/**
 * Guards the API. With a token, every request must carry it (`Authorization: Bearer T`,
 * `X-Gradlens-Token: T` or `?token=T`). Without one the server is loopback-only, and requests
 * naming another host are refused, so a web page cannot reach it through DNS rebinding.
 */
export function guard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token) {
      const header = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? c.req.header('x-gradlens-token');
      const given = header ?? c.req.query('token');
      if (!given || !sameToken(given, token)) {
        return c.json(
          { error: 'missing or wrong token: open the URL the server printed (it ends in ?token=...)' },
          401,
        );
      }
    } else if (!LOOPBACK.has(new URL(c.req.url).hostname)) {
      return c.json(
        { error: 'this server only answers requests for localhost; start it with --token to share it' },
        403,
      );
    }
    await next();
  };
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}
