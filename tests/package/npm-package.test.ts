/**
 * What users install: `npm pack` (the prepack build), the prebuilt engine package
 * (scripts/pack-engine.mjs), both installed into a fresh npm project and used from plain Node: the
 * library, gradlens/testing, the CLI with the project's own plugins, the engine's own oneDNN, and
 * the dashboard. Node only: it drives npm. Slow (a minute): it builds and installs for real.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';

const test = suite('npm package: compiled JavaScript that a fresh project installs and uses');
const isDeno = 'Deno' in globalThis;
const ENGINE = '@gradlens/engine-linux-x64-gnu';
const canBuildEngine = process.platform === 'linux' && process.arch === 'x64' &&
  existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && spawnSync('g++', ['--version']).status === 0;

let dir = '';
let project = '';
let files: string[] = [];

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
/** The installed CLI, run with plain Node: no loader, no tsx. */
const gradlens = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(project, 'node_modules/gradlens/dist/bin/gradlens.js'), ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

if (isDeno) {
  console.log('npm package: skipped on Deno (it drives npm and plain Node); the Node half runs it');
  test.skip('the npm package is tested on Node', () => {});
} else {
  test.before(() => {
    dir = tempDir('gradlens-package-');
    const tarball = sh('npm', ['pack', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop()!;
    files = sh('tar', ['tzf', join(dir, tarball)], dir).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const tarballs = [join(dir, tarball)];
    if (canBuildEngine) {
      sh(process.execPath, [join(ROOT, 'scripts/pack-engine.mjs'), '--out', dir], ROOT);
      tarballs.push(join(dir, 'gradlens-engine-linux-x64-gnu-' + version() + '.tgz'));
    } else if (process.env.CI) {
      throw new Error('CI must build the engine package: install g++ and libdnnl-dev');
    }
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], project);
    cpSync(join(ROOT, 'examples/fashion-mnist/model'), join(project, 'model'), { recursive: true });
    for (const f of ['sample-x.npy', 'sample-y.npy']) {
      cpSync(join(ROOT, 'examples/fashion-mnist/data', f), join(project, f));
    }
  });

  test('the tarball holds compiled JavaScript with types, the page and the engine sources; no tests, bench or data', () => {
    for (
      const f of ['dist/core/index.js', 'dist/core/index.d.ts', 'dist/plugins/index.js', 'dist/core/testing/index.js']
    ) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    for (
      const f of ['dist/bin/gradlens.js', 'dist/ui/dist/app.js', 'dist/ui/dist/index.html', 'dist/plugins/catalog.json']
    ) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    assert.ok(files.includes('core/engine/native/src/conv.cc') && files.includes('scripts/build-native.mjs'));
    assert.ok(files.includes('README.md') && files.includes('LICENSE'));
    const stray = files.filter((f) =>
      /^(tests|bench|examples|\.ci|ui\/app)\//.test(f) || (/\.tsx?$/.test(f) && !f.endsWith('.d.ts')) ||
      f.endsWith('.npy')
    );
    assert.equal(stray, []);
  });

  test('gradlens, gradlens/plugins and gradlens/testing work from plain Node 20, no loader', () => {
    writeFileSync(
      join(project, 'use.mjs'),
      `import { attribute, defineModel, initBackend, tf } from 'gradlens';
import { builtinRegistry, vanillaGradient } from 'gradlens/plugins';
import { expectAttribution } from 'gradlens/testing';
await initBackend('cpu');
const w = tf.tensor2d([[1, 0], [0, 2], [3, 0], [0, 1]]);
const model = defineModel({ inputShape: [2, 2, 1], predict: (x) => tf.matMul(x.reshape([x.shape[0], 4]), w) });
const x = tf.ones([1, 2, 2, 1]);
const { maps } = await attribute(model, x, { method: vanillaGradient, target: { class: 1 } });
console.log('maps', JSON.stringify(Array.from(await maps.data())));
try {
  await expectAttribution(model, x, { method: 'vanilla-gradient', registry: builtinRegistry(), target: { class: 1 },
    artifactsDir: false }).massIn({ top: 0, left: 0, height: 1, width: 2 }).atMost(0.5);
} catch (e) { console.log('assertion', e.name); }
`,
    );
    const r = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /maps \[0,2,0,1\]/);
    assert.match(r.stdout, /assertion AttributionAssertionError/, 'mass 2/3 in the top row fails "at most 0.5"');
  });

  test("the CLI runs the project's own plain-JS and TypeScript plugins, by path as written", () => {
    const plugin = (name: string, typed: boolean) =>
      `import { z } from 'zod';
import { defineAttribution, inputGradient, tf } from 'gradlens';
export default defineAttribution({
  name: '${name}', description: 'the squared input gradient', options: z.object({}).strict(), needs: ['gradients'],
  signed: false,
  attribute: ({ model, x, targets, output }${typed ? ': any' : ''}) =>
    tf.tidy(() => tf.square(inputGradient(model, x, targets, output))),
});
`;
    writeFileSync(join(project, 'my-plugins.mjs'), plugin('gradient-squared', false));
    writeFileSync(join(project, 'typed.ts'), plugin('typed-squared', true));
    const args = ['--model', 'model/model.json', '--inputs', 'sample-x.npy', '--labels', 'sample-y.npy'];
    const r = gradlens([
      'attribute',
      ...args,
      '--method',
      'gradient-squared',
      '--plugin',
      'my-plugins.mjs',
      '--out',
      'maps.npy',
    ]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*maps\.npy \[256, 28, 28\] float32/);
    const listed = gradlens(['plugins', '--plugin', 'typed.ts']);
    assert.is(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /typed-squared\s+the squared input gradient/);
    const run = gradlens([
      'run',
      ...args,
      '--method',
      'typed-squared',
      '--plugin',
      'typed.ts',
      '--id',
      'typed',
      '--limit',
      '64',
    ]);
    assert.is(run.status, 0, run.stderr);
    assert.ok(existsSync(join(project, 'runs/typed/batches/00000/maps/typed-squared.npy')));
  });

  test('--help and plugins load neither tfjs nor tsx; a JavaScript plugin loads no tsx either', () => {
    const seen = join(project, 'seen.txt');
    // A resolve hook (in Node's loader thread) that notes every tfjs or tsx module asked for.
    const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/^(@tensorflow[/]|tsx)/.test(specifier)) appendFileSync(${JSON.stringify(seen)}, specifier + ' ');
  return next(specifier, context);
}`;
    writeFileSync(
      join(project, 'spy.mjs'),
      `import { register } from 'node:module';\nregister(${
        JSON.stringify('data:text/javascript,' + encodeURIComponent(hook))
      });\n`,
    );
    const spied = (args: string[]) => {
      writeFileSync(seen, '');
      const r = spawnSync(
        process.execPath,
        ['--import', './spy.mjs', 'node_modules/gradlens/dist/bin/gradlens.js', ...args],
        { cwd: project, encoding: 'utf8' },
      );
      assert.is(r.status, 0, r.stderr);
      return { out: r.stdout, loaded: readFileSync(seen, 'utf8').trim().split(' ').filter(Boolean) };
    };
    const help = spied(['--help']);
    assert.match(help.out, /usage: gradlens <command>/);
    assert.equal(help.loaded, []);
    const plugins = spied(['plugins']);
    assert.match(plugins.out, /vanilla-gradient/);
    assert.equal(plugins.loaded, [], 'the catalog lists the built-ins');
    const attribute = spied(['attribute', '--model', 'model/model.json', '--inputs', 'sample-x.npy', '--out', 'm.npy']);
    assert.ok(attribute.loaded.some((s) => s.startsWith('@tensorflow/')), 'the control: real work loads tfjs');
    assert.not.ok(attribute.loaded.some((s) => s.startsWith('tsx')), "gradlens's own code is never transpiled");
  });

  test('the engine package loads its own oneDNN, OpenMP and OpenCL, even with the system copies hidden', () => {
    if (!canBuildEngine) {
      console.log('  (no g++/libdnnl-dev here: the engine package was not built)');
      return;
    }
    const own = join(project, 'node_modules', ENGINE);
    const r = gradlens(['engine']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`native kernels: oneDNN .* from the package ${ENGINE}`));
    const loaded = [...r.stdout.matchAll(/loaded (\S+)/g)].map((m) => m[1]);
    for (const lib of ['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1', 'gradlens_native.node']) {
      assert.ok(loaded.includes(join(own, lib)), `${lib} from the package: ${loaded.join(', ')}`);
    }
    // A machine without oneDNN: the system's copies hidden in a private mount namespace.
    const hide = ['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1'].map((l) => `/usr/lib/x86_64-linux-gnu/${l}`)
      .filter(existsSync).map((l) => `mount --bind /dev/null ${l}`).join(' && ');
    const bare = spawnSync('unshare', [
      '-m',
      'sh',
      '-c',
      `${hide} && ${process.execPath} ${join(project, 'node_modules/gradlens/dist/bin/gradlens.js')} engine`,
    ], {
      cwd: project,
      encoding: 'utf8',
    });
    if (bare.status !== 0 && /unshare|mount|Operation not permitted/.test(bare.stderr)) {
      console.log(`  (no private mount namespace here: ${bare.stderr.trim().split('\n')[0]})`);
      return;
    }
    assert.is(bare.status, 0, bare.stderr);
    assert.match(bare.stdout, new RegExp(`from the package ${ENGINE}`));
  });

  test('the dashboard serves its prebuilt page and runs a job in a compiled child process', async () => {
    const server: ChildProcess = spawn(
      process.execPath,
      [join(project, 'node_modules/gradlens/dist/bin/gradlens.js'), 'serve', '--port', '0'],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const m = /gradlens dashboard: (http\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
        setTimeout(() => reject(new Error(`no URL: ${out}`)), 30_000);
      });
      const page = await fetch(url);
      assert.is(page.status, 200);
      assert.match(await page.text(), /<title>gradlens<\/title>/);
      assert.is((await fetch(new URL('/app.js', url))).status, 200);
      const runs = await (await fetch(new URL('/api/runs', url))).json();
      assert.ok(runs.runs.some((r: { id: string }) => r.id === 'typed'), 'the run made by the CLI is listed');
      const started = await fetch(new URL('/api/jobs', url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: new URL(url).origin },
        body: JSON.stringify({
          id: 'from-api',
          model: { plugin: 'layers-model', options: { path: 'model/model.json' } },
          dataset: { plugin: 'npy', options: { x: 'sample-x.npy', y: 'sample-y.npy' }, batchSize: 32, limit: 64 },
          methods: [{ plugin: 'vanilla-gradient' }],
        }),
      });
      const job = await started.json();
      assert.is(started.status, 202, JSON.stringify(job));
      for (let i = 0; i < 120; i++) {
        const info = await (await fetch(new URL(`/api/jobs/${job.id}`, url))).json();
        if (info.state !== 'running' && info.state !== 'queued') {
          assert.is(info.state, 'complete', JSON.stringify(info));
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(existsSync(join(project, 'runs/from-api/batches/00001/maps/vanilla-gradient.npy')));
    } finally {
      server.kill('SIGTERM');
    }
  });
}

function version(): string {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

test.run();
