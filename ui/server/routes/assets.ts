import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';

/** The only files served outside the API: the built page. No listing, no other path. */
const ASSETS: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Serves ui/dist (built by ui/build.ts); a 503 says how to build it when it is missing. */
export function assetRoutes(dir: string): Hono {
  const app = new Hono();
  for (const [route, [file, type]] of Object.entries(ASSETS)) {
    app.get(route, (c) => {
      const path = join(dir, file);
      if (!existsSync(path)) {
        return c.text(`the dashboard is not built (${path} is missing): run 'npm run build:ui'`, 503);
      }
      return c.body(new Uint8Array(readFileSync(path)), 200, {
        'Content-Type': type,
        'Cache-Control': 'no-cache',
        ...(file === 'index.html' ? { 'Content-Security-Policy': CSP } : {}),
      });
    });
  }
  return app;
}
