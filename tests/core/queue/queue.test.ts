import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { parseRedisUrl } from '../../../core/queue/connection.ts';
import { runQueued } from '../../../core/queue/coordinator.ts';
import { groupBatches } from '../../../core/queue/jobs.ts';
import { startQueueWorker } from '../../../core/queue/worker.ts';
import { tf } from '../../../core/tensor/tf.ts';
import { RunStore } from '../../../core/runs/store.ts';
import { binCommand, cli, ROOT } from '../../helpers/cli.ts';
import { builtinRegistry, saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';
import { redisMissing, startRedis, type TestRedis } from '../../helpers/redis.ts';

const test = suite('queued runs (BullMQ on a real redis-server)');

test('Redis URLs are read, and wrong ones refused with what would be right', () => {
  assert.equal(parseRedisUrl('redis://h:7000/2'), { host: 'h', port: 7000, db: 2, maxRetriesPerRequest: null });
  assert.equal(parseRedisUrl('rediss://u:p%40ss@h').password, 'p@ss');
  assert.equal(parseRedisUrl('rediss://u:p@h').tls, {});
  assert.throws(() => parseRedisUrl('http://h:1'), /redis:\/\/ or rediss:\/\//);
  assert.throws(() => parseRedisUrl('localhost:6379'), /redis:\/\/ or rediss/);
  assert.throws(() => parseRedisUrl('redis://h/x'), /database number/);
});

test('batches are grouped into jobs of consecutive batches', () => {
  assert.equal(groupBatches([0, 1, 2, 3, 4], 2), [{ start: 0, count: 2 }, { start: 2, count: 2 }, {
    start: 4,
    count: 1,
  }]);
  assert.equal(groupBatches([5, 1, 2, 7], 3), [{ start: 1, count: 2 }, { start: 5, count: 1 }, { start: 7, count: 1 }]);
});

test('a Redis that does not answer is told at once, with the URL', async () => {
  const config = {
    runsDir: tempDir(),
    model: { plugin: 'layers-model', options: { path: 'none.json' } },
    dataset: { plugin: 'npy', options: { x: 'none.npy' } },
    methods: [{ plugin: 'vanilla-gradient' }],
  };
  // Port 9 (discard) on loopback: nothing listens there.
  const url = 'redis://:secret@127.0.0.1:9';
  const failure = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.message);
  const queued = await failure(runQueued(config, { registry: builtinRegistry(), url, connectTimeoutMs: 2000 }));
  assert.match(queued, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:9 \(/, queued);
  const worker = await failure(
    startQueueWorker({ url, registry: builtinRegistry(), runsDir: tempDir(), connectTimeoutMs: 2000 }),
  );
  assert.match(worker, /cannot reach Redis/);
});

const missing = redisMissing();
if (missing) {
  test.skip(`queue tests need redis-server: ${missing}`, () => {});
  test.run();
} else {
  let redis: TestRedis;
  let dir: string;
  let config: string;
  const workers: { child: ChildProcess; stderr: string }[] = [];

  test.before(async () => {
    await initBackend();
    redis = await startRedis();
    dir = tempDir();
    const net = smallConvNet({ classes: 3, activation: 'relu' });
    const model = await saveLayersModel(net, join(dir, 'model'));
    net.dispose();
    const x = seeded(12 * 8 * 8 * 3, 5);
    writeNpy(join(dir, 'x.npy'), x, [12, 8, 8, 3]);
    // Sample 5 (batch 2) not finite: a batch that fails on every try.
    const bad = Float32Array.from(x);
    bad[5 * 8 * 8 * 3] = NaN;
    writeNpy(join(dir, 'bad.npy'), bad, [12, 8, 8, 3]);
    config = join(dir, 'run.json');
    const write = (file: string, data: string) =>
      writeFileSync(
        join(dir, file),
        JSON.stringify({
          runsDir: 'runs',
          model: { plugin: 'layers-model', options: { path: model } },
          dataset: { plugin: 'npy', options: { x: join(dir, data) }, batchSize: 2 },
          // Enough noise samples that a batch lasts long enough to be killed in the middle.
          methods: [{ plugin: 'vanilla-gradient' }, { plugin: 'smoothgrad', options: { samples: 768, seed: 3 } }],
        }),
      );
    write('run.json', 'x.npy');
    write('bad.json', 'bad.npy');
    const [cmd, pre] = binCommand();
    const args = ['worker', '--queue', redis.url, '--runs', join(dir, 'runs'), '--lock-ms', '2000'];
    for (let i = 0; i < 3; i++) {
      const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      const w = { child, stderr: '' };
      child.stderr!.on('data', (d) => (w.stderr += d));
      workers.push(w);
    }
    await Promise.all(workers.map((w) => until(() => w.stderr.includes('waiting for runs'), 60_000, () => w.stderr)));
  });

  test.after(async () => {
    await Promise.all(workers.map((w) => stop(w.child)));
    await redis?.stop();
  });

  test('a queued run over three worker processes, one killed mid-batch, writes the maps of a one-process run', async () => {
    const one = await cli('run', '--config', config, '--id', 'one', '--workers', '1');
    assert.is(one.code, 0, one.stderr);

    const run = cli('run', '--config', config, '--id', 'queued', '--queue', redis.url);
    // The first worker to start a batch is killed before it can finish it.
    let victim: { pid: number; batch: number } | undefined;
    await until(
      () => {
        for (const w of workers) {
          const m = /batch (\d+) started/.exec(w.stderr);
          if (m) {
            w.child.kill('SIGKILL');
            victim = { pid: w.child.pid!, batch: Number(m[1]) };
            return true;
          }
        }
        return false;
      },
      60_000,
      () => workers.map((w) => w.stderr).join('\n'),
    );
    const r = await run;
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /[1-3] workers? attached to queue gradlens-queued/);

    const store = new RunStore(join(dir, 'runs'));
    const m = store.read('queued');
    assert.is(m.status, 'complete');
    assert.equal(m.batches.map((b) => b.index), [0, 1, 2, 3, 4, 5]);
    assert.equal(m.queue, { name: 'gradlens-queued', batchesPerJob: 1, attempts: 3 });
    const expected = files(join(dir, 'runs', 'one', 'batches'));
    const got = files(join(dir, 'runs', 'queued', 'batches'));
    assert.equal([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [name, bytes] of expected) assert.ok(bytes.equals(got.get(name)!), `${name} differs`);

    const status = store.readQueueStatus('queued')!;
    assert.is(status.open, false);
    assert.ok(status.jobs.every((j) => j.state === 'completed'));
    const retaken = status.jobs.find((j) => j.start === victim!.batch)!;
    assert.ok(!retaken.worker!.endsWith(`:${victim!.pid}`), `batch ${victim!.batch} was finished by the killed worker`);
    // The survivors took up the killed worker's batch and left the run when it ended.
    const survivors = workers.filter((w) => w.child.pid !== victim!.pid);
    await until(() => survivors.every((w) => w.stderr.includes('run queued: left')), 10_000, () => '');
  });

  test('a batch that fails every try fails the run with its reason', async () => {
    let error: Error | undefined;
    try {
      await runQueued({ ...JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8')), id: 'bad' }, {
        registry: builtinRegistry(),
        baseDir: dir,
        url: redis.url,
        attempts: 2,
        backoffMs: 50,
      });
    } catch (e) {
      error = e as Error;
    }
    assert.ok(error, 'the run should fail');
    assert.match(error!.message, /batch 2 failed after 2 tries: .*NaN or infinite/, error!.message);
    const m = new RunStore(join(dir, 'runs')).read('bad');
    assert.is(m.status, 'failed');
    assert.match(m.error!, /batch 2 failed after 2 tries/);
    const status = new RunStore(join(dir, 'runs')).readQueueStatus('bad')!;
    assert.is(status.jobs.find((j) => j.start === 2)!.state, 'failed');
  });

  test('a worker in this process computes a stopped and resumed run and, once it ends, leaves no tensor behind', async () => {
    const runsDir = join(dir, 'runs-here');
    const before = tf.memory().numTensors;
    const worker = await startQueueWorker({ url: redis.url, registry: builtinRegistry(), runsDir, pollMs: 50 });
    try {
      const config = { ...JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')), id: 'here', runsDir };
      // Stopped once a batch is recorded: the run is left incomplete, and --resume enqueues only the rest.
      const stop = new AbortController();
      const first = await runQueued(config, {
        registry: builtinRegistry(),
        baseDir: dir,
        url: redis.url,
        pollMs: 50,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      });
      assert.is(first.manifest.status, 'incomplete');
      const done = first.manifest.batches.length;
      assert.ok(done >= 1 && done < 6, `${done} batches before the stop`);
      const r = await runQueued(config, {
        registry: builtinRegistry(),
        baseDir: dir,
        url: redis.url,
        pollMs: 50,
        resume: 'here',
      });
      assert.is(r.manifest.status, 'complete');
      assert.equal(r.manifest.batches.map((b) => b.index), [0, 1, 2, 3, 4, 5]);
      assert.is(new RunStore(runsDir).readQueueStatus('here')!.jobs.length, 6 - done);
      await until(() => worker.runs().length === 0, 10_000, () => 'the worker did not leave the run');
    } finally {
      await worker.close();
    }
    assert.is(tf.memory().numTensors, before);
  });

  test.run();
}

/** Every file under `dir`, relative, with its bytes (temporary files of atomic writes excluded). */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.tmp')) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

async function until(done: () => boolean, ms: number, context: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms:\n${context()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
