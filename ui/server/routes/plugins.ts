import { Hono } from 'hono';
import { z } from 'zod';
import type { Registry } from '../../../core/index.ts';

/** JSON Schema of a plugin's options (zod v4), or null when it has no JSON form. */
export function optionsSchema(schema: unknown): unknown {
  try {
    return z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}

/** `GET /api/plugins`: the registered plugins with their option schemas, for the run form. */
export function pluginRoutes(registry: Registry | undefined): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const base = (p: { name: string; description: string; options: unknown }) => ({
      name: p.name,
      description: p.description,
      schema: optionsSchema(p.options),
    });
    return c.json({
      models: registry?.list('model').map(base) ?? [],
      datasets: registry?.list('dataset').map(base) ?? [],
      attributions: registry?.list('attribution').map((p) => ({
        ...base(p),
        signed: p.signed,
        needs: p.needs,
        wraps: Object.fromEntries(
          Object.entries(p.wraps ?? {}).map((
            [key, w],
          ) => [key, { default: w.default.name, requires: w.requires ?? [] }]),
        ),
        defaults: p.defaults ?? {},
        reference: p.reference ?? null,
      })) ?? [],
      metrics: registry?.list('metric').map((p) => ({
        ...base(p),
        category: p.category,
        needs: p.needs,
        higherIsBetter: p.higherIsBetter,
        reference: p.reference ?? null,
      })) ?? [],
    });
  });
  return app;
}
