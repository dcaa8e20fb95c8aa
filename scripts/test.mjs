#!/usr/bin/env node
// The whole test command: format, lint and type checks, then the uvu suite on Node and on Deno.
// Ends with one line, `N passed, M failed`, counting each check and each test on each runtime.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const filter = args.find((a) => !a.startsWith('--'));
const only = (name) => !args.includes('--only') || args.includes(`--${name}`);
let passed = 0;
let failed = 0;
let skippedAll = 0;
const failures = [];

function run(label, command, commandArgs, { count = false, quiet = false } = {}) {
  const started = Date.now();
  process.stdout.write(`\n=== ${label}\n`);
  const result = spawnSync(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 28,
  });
  const spawnError = result.error
    ? `could not start ${command}: ${result.error.message} (run npm install first)\n`
    : '';
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${spawnError}`;
  const ok = result.status === 0;
  // A quiet check prints its output only when it fails.
  if (!quiet || !ok) process.stdout.write(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (count) {
    const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? NaN);
    const done = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? NaN);
    const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
    if (Number.isNaN(total) || Number.isNaN(done)) {
      failed += 1;
      failures.push(`${label} (crashed before its summary, exit ${result.status})`);
    } else {
      // uvu's Total leaves out skipped tests (test.skip never queues them).
      passed += done;
      failed += total - done;
      skippedAll += skipped;
      if (!ok && total - done === 0) {
        failed += 1;
        failures.push(`${label} (exit ${result.status})`);
      }
      if (total - done > 0) failures.push(`${label}: ${total - done} failed`);
    }
  } else if (ok) {
    passed += 1;
  } else {
    failed += 1;
    failures.push(label);
  }
  process.stdout.write(`--- ${label}: ${ok ? 'ok' : 'FAILED'} (${seconds}s)\n`);
}

const bin = (name) => `node_modules/.bin/${name}`;
if (only('fmt')) run('deno fmt --check', bin('deno'), ['fmt', '--check']);
if (only('lint')) run('deno lint', bin('deno'), ['lint']);
// JSR: the package must publish with no slow types (explicit types on everything exported).
if (only('jsr')) {
  run('deno publish --dry-run (JSR)', bin('deno'), ['publish', '--dry-run', '--allow-dirty'], {
    quiet: true,
  });
}
if (only('tsc')) run('tsc --noEmit (typescript 7, strict)', bin('tsc'), ['--noEmit', '-p', '.']);
if (only('node')) run('uvu on Node', bin('tsx'), ['tests/run.ts', ...(filter ? [filter] : [])], { count: true });
if (only('deno')) {
  run('uvu on Deno', bin('deno'), ['run', '-A', 'tests/run.ts', ...(filter ? [filter] : [])], { count: true });
}

if (failures.length) process.stdout.write(`\nFailed: ${failures.join('; ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skippedAll ? `, ${skippedAll} skipped` : ''}\n`);
process.exit(failed === 0 ? 0 : 1);
