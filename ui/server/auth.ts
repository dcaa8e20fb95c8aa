import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** Methods that change nothing; every other one must come from the server's own page. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The cookie a browser gets after opening the URL with `?token=`, so the page needs no token in its links. */
export const TOKEN_COOKIE = 'gradlens-token';

/** Compares in time independent of where the strings first differ. */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/**
 * Why a state-changing request is refused as cross-site, or undefined when it may proceed. A
 * browser sends `Origin` (and `Sec-Fetch-Site`) with every POST and DELETE; a page elsewhere
 * cannot forge them, whatever the content type. A client that sends neither is not a browser
 * page (curl, scripts) and is left to the token and host checks.
 */
export function crossSiteRefusal(c: Context): string | undefined {
  if (SAFE.has(c.req.method)) return undefined;
  const own = new URL(c.req.url).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== own) {
    return `cross-origin request refused: only pages served by this dashboard (${own}) may change anything`;
  }
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `cross-site request refused (Sec-Fetch-Site: ${
      site.slice(0, 20)
    }): only this dashboard's page may change anything`;
  }
  return undefined;
}

/**
 * Guards every request. Without a token the server answers only requests naming a loopback host,
 * so a web page cannot reach it through DNS rebinding. With one, every request must carry it
 * (`Authorization: Bearer T`, `X-Gradlens-Token: T`, `?token=T`, or the cookie set when the page
 * was first opened with `?token=`). In both cases writes must come from the server's own origin.
 */
export function guard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token) {
      const header = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? c.req.header('x-gradlens-token');
      const query = c.req.query('token');
      const given = header ?? query ?? getCookie(c, TOKEN_COOKIE);
      if (!given || !sameToken(given, token)) {
        return c.json(
          { error: 'missing or wrong token: open the URL the server printed (it ends in ?token=...)' },
          401,
        );
      }
      if (query !== undefined && c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
        setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      }
    } else if (!LOOPBACK.has(new URL(c.req.url).hostname)) {
      return c.json(
        { error: 'this server only answers requests for localhost; start it with --token to share it' },
        403,
      );
    }
    const refusal = crossSiteRefusal(c);
    if (refusal) return c.json({ error: refusal }, 403);
    await next();
  };
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}
