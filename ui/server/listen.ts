/**
 * Starts a listener for the app: `Deno.serve` on Deno, `@hono/node-server` on Node. The only
 * place the two runtimes differ.
 */
import type { Hono } from 'hono';

export interface Listener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Hono, host: string, port: number): Promise<Listener> {
  const deno = (globalThis as { Deno?: any }).Deno;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  if (deno) {
    // Deno.serve binds synchronously (throwing AddrInUse), so addr is known on return.
    const server = deno.serve({ hostname: host, port, onListen: () => {} }, app.fetch);
    const actual = server.addr.port as number;
    return { url: `http://${urlHost}:${actual}/`, port: actual, close: () => server.shutdown() };
  }
  const { serve } = await import('@hono/node-server');
  return await new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        url: `http://${urlHost}:${info.port}/`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
