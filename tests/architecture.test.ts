/**
 * The layout is the architecture: these tests read the import graph of the sources and fail on
 * a folder cycle, on core reaching into plugins/ or ui/, on the server importing the page, and
 * on a second batch computation or a second copy of the run config's schema.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('architecture: one pipeline, folders without cycles');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['bin', 'core', 'plugins', 'ui'];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).sort().flatMap((name) => {
    const rel = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'build') return [];
    if (statSync(join(ROOT, rel)).isDirectory()) return files(rel);
    return /\.(ts|tsx|mjs)$/.test(name) ? [rel] : [];
  });
}

const sources = SOURCES.flatMap(files);
const text = new Map(sources.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

/** Relative module specifiers a file imports (static, dynamic, and `new URL(..., import.meta.url)`). */
function imports(file: string): string[] {
  const out: string[] = [];
  const source = text.get(file)!;
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1]);
  for (const m of source.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+\.(?:ts|mjs|tsx))['"]/g)) out.push(m[1]);
  return out.map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

const edges = sources.flatMap((file) => imports(file).map((target) => ({ file, target })));

test('every relative import names a file that exists', () => {
  const known = new Set(sources);
  const missing = edges.filter((e) =>
    SOURCES.some((dir) => e.target.startsWith(`${dir}/`)) && /\.(ts|tsx|mjs)$/.test(e.target) && !known.has(e.target)
  );
  assert.equal(missing, []);
});

test('no folder imports a folder that imports it back, however far round', () => {
  const graph = new Map<string, Set<string>>();
  for (const { file, target } of edges) {
    const [a, b] = [dirname(file), dirname(target)];
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  // Tarjan's strongly connected components: any with two folders or more is a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  const why = cycles.map((c) =>
    c.join(' <-> ') + ': ' +
    edges.filter((e) =>
      c.includes(dirname(e.file)) && c.includes(dirname(e.target)) && dirname(e.file) !== dirname(e.target)
    )
      .map((e) => `${e.file} -> ${e.target}`).join(', ')
  );
  assert.equal(why, []);
});

test('core knows nothing of plugins/ or ui/; plugins depend on core only; the server does not import the page', () => {
  const bad = edges.filter(({ file, target }) =>
    (file.startsWith('core/') && /^(plugins|ui|examples)\//.test(target)) ||
    (file.startsWith('plugins/') && !target.startsWith('core/') && !target.startsWith('plugins/')) ||
    (file.startsWith('ui/server/') && target.startsWith('ui/app/')) ||
    (file.startsWith('ui/app/') && target.startsWith('ui/server/'))
  ).map((e) => `${e.file} -> ${e.target}`);
  assert.equal(bad, []);
});

test('plugins/ and ui/ reach core only through its public API; the page only through its tfjs-free part', () => {
  const facade = ['core/index.ts', 'core/browser.ts'];
  const inside = edges.filter(({ file, target }) =>
    /^(plugins|ui)\//.test(file) && target.startsWith('core/') && !facade.includes(target)
  ).map((e) => `${e.file} -> ${e.target}`);
  assert.equal(inside, []);
  const pageValues = sources.filter((f) => /^ui\/(app|render)\//.test(f)).filter((f) =>
    /^import\s+\{[^}]*\}\s+from\s+'[^']*core\/index\.ts'/m.test(text.get(f)!)
  );
  assert.equal(pageValues, [], 'the page imports only types from core/index.ts (values would bundle tfjs)');
});

test("a batch is computed in one place: only the pipeline calls a method's attribute()", () => {
  const callers = sources.filter((f) => /\bplugin\.attribute\(/.test(text.get(f)!));
  assert.equal(callers, ['core/pipeline/methods.ts']);
  const batchers = sources.filter((f) => /\bcomputeBatch\(/.test(text.get(f)!)).sort();
  // `measure` (one metric from code) hands its batch to computeBatch like a run; the run's threads
  // and workers; the dashboard's what-if engine (one edited sample at a time).
  assert.equal(batchers, [
    'core/pipeline/batch.ts',
    'core/pipeline/measure.ts',
    'core/workers/computer.ts',
    'core/workers/worker.ts',
    'ui/server/whatif/child.ts',
  ]);
  const mapsOf = sources.filter((f) => /\bcomputeMaps\(/.test(text.get(f)!)).sort();
  assert.equal(mapsOf, ['core/pipeline/attribute.ts', 'core/pipeline/batch.ts']);
});

test("the run config's schema is declared once; the dashboard's run request derives from it", () => {
  const declaring = sources.filter((f) => /MethodConfigSchema\s*=|z\.array\(MethodConfigSchema\)/.test(text.get(f)!));
  assert.equal(declaring, ['core/runs/config.ts']);
  assert.match(text.get('core/runs/config.ts')!, /RunRequest[^=]*= RunConfigFields\.omit\(/);
  assert.match(text.get('ui/server/routes/jobs.ts')!, /parseOr400\(RunRequest,/);
  const ids = sources.filter((f) => /function newRunId|function newId/.test(text.get(f)!));
  assert.equal(ids, ['core/runs/config.ts']);
});

test.run();
