/**
 * The README's first command: `npm start` (the compiled CLI in dist/, on Node) and `deno task start`
 * (the sources, on Deno) open the dashboard on the default example, computing it first into an
 * empty runs directory. A broken path to the example once made `npm start` stop with "the default
 * example is missing" while every other test passed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/cli.ts';

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const test = suite(deno ? 'start: deno task start (the sources)' : 'start: npm start (the compiled dist/)');

/** The command `npm start` or `deno task start` runs, with a runs directory and a free port. */
function startCommand(runs: string): [string, string[]] {
  const args = ['start', '--runs', runs, '--port', '0'];
  if (deno) return [deno.execPath(), ['run', '-A', join(ROOT, 'bin/gradlens.ts'), ...args]];
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building dist/ failed: ${build.stderr}`);
  return [process.execPath, [join(ROOT, 'dist/bin/gradlens.js'), ...args]];
}

test('computes the default example into an empty runs directory, then serves it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-start-'));
  const runs = join(dir, 'runs');
  const [cmd, args] = startCommand(runs);
  let child: ChildProcess | undefined;
  try {
    // From another folder, as a user may start it: the example is found from the program, not the cwd.
    child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => void (out += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => void (out += t));
    const exited = new Promise<number | null>((r) => child!.on('exit', r));
    const url = await Promise.race([
      (async () => {
        for (;;) {
          const m = /gradlens dashboard: (http:\/\/\S+\/)/.exec(out);
          if (m) return m[1];
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      exited.then((code) => {
        throw new Error(`start exited (${code}) before serving: ${out}`);
      }),
    ]);
    let runsList: { id: string; status: string; batches: number }[] = [];
    for (let i = 0; i < 600; i++) {
      runsList = (await (await fetch(`${url}api/runs`)).json()).runs;
      if (runsList.some((r) => r.status === 'complete')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const run = runsList.find((r) => r.id === 'fashion-mnist');
    assert.ok(run, `the example run is listed: ${JSON.stringify(runsList)} ${out}`);
    assert.is(run!.status, 'complete', out);
    assert.is(run!.batches, 4, '256 images in batches of 64');
    const page = await fetch(url);
    assert.is(page.status, 200);
    assert.match(await page.text(), /<div id=['"]?app/i);
    assert.not.match(out, /missing/);
  } finally {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
