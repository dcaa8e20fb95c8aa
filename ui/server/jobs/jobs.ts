/**
 * Runs started from the dashboard. Each job is a child process (`child.ts`) calling
 * runAttributions, so the server's event loop stays free while maps are computed. Jobs wait in a
 * first-in-first-out queue and run `concurrency` at a time (one by default), each with a time
 * limit and a heap cap; a child that dies, runs out of time or is cancelled leaves its run marked
 * `failed` or `cancelled`, never `running`. The run itself writes its manifest batch by batch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowerPriority } from '../lib/priority.ts';
import {
  type ModelCapabilities,
  moduleUrl,
  type RunConfigInput,
  type RunProgress,
  type RunStore,
  type Workspace,
} from '../../../core/index.ts';
import { failure, ProbeError, tsCommand } from './spawn.ts';

export { ProbeError, registeredModule } from './spawn.ts';

export type JobState = 'queued' | 'running' | 'complete' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  runId: string;
  state: JobState;
  /** When it was accepted. */
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Place in the queue while queued: 1 runs next. */
  position?: number;
  exitCode?: number | null;
  /** Why it failed (the child's last error lines, a timeout, running out of memory). */
  error?: string;
  progress?: RunProgress;
}

export interface JobOptions {
  /** Directory relative paths in configs resolve against (model and data files). */
  baseDir: string;
  /** Plugin modules the child registers (paths or specifiers), e.g. the built-ins' index. */
  pluginModules: string[];
  /** The allowed roots; the child checks every path of a run from a request against them again. */
  workspace?: Workspace;
  /** Jobs computed at once (default 1); the others wait in order. */
  concurrency?: number;
  /** Jobs that may wait (default 16); more are refused. */
  maxQueued?: number;
  /** Wall-clock limit of one job in ms (default one hour). */
  timeoutMs?: number;
  /** V8 heap limit of a job's process in MiB (default 4096). */
  maxHeapMb?: number;
  /** Where runs are written, to mark a run whose process died (default: none). */
  store?: RunStore;
  /** Largest run, in model evaluations (methods' cost x samples), a request may ask for (default 1e8). */
  maxEvaluations?: number;
  /** Model probes (the form's model loads) at once (default 2); up to `maxQueued` more wait. */
  maxProbes?: number;
}

/** Default of `--max-evaluations`: about an hour of a small convnet on two cores. */
export const DEFAULT_MAX_EVALUATIONS = 1e8;

/** Thrown by `start` when the queue is full (the API answers 429). */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

const CHILD = fileURLToPath(moduleUrl('./child.ts', import.meta.url));

/** What a probe of a model reports: its heads, the head probed, and what it offers the methods. */
export interface ModelProbe {
  outputs: { name: string; shape: (number | null)[]; scores: string; note?: string }[];
  output: string;
  capabilities: ModelCapabilities;
  /** The model's input shape, without N (null where any size goes). */
  inputShape: (number | null)[];
}

const PROBE_TTL_MS = 60_000;

interface Job {
  info: JobInfo;
  config: RunConfigInput & { id: string };
  baseDir: string;
  /** Whether the child re-checks its paths against the workspace (runs from requests). */
  confine: boolean;
  child?: ChildProcess;
  done: Promise<JobInfo>;
  resolve(info: JobInfo): void;
  /** Why the server stopped it, when it did. */
  stopped?: { state: 'failed' | 'cancelled'; reason: string };
}

export class JobManager {
  readonly #probes = new Map<string, { at: number; result: Promise<ModelProbe> }>();
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Job[] = [];
  readonly #listeners = new Map<string, Set<(info: JobInfo) => void>>();
  readonly #probeWaiting: (() => void)[] = [];
  #probing = 0;
  #running = 0;
  #next = 1;

  constructor(readonly options: JobOptions) {}

  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 1);
  }

  /**
   * Queues a run whose config is already validated (its `id` and `runsDir` set); it starts when a
   * slot is free. `baseDir` overrides the directory the config's relative paths resolve against;
   * `confine: false` is for runs the server itself chose (the `start` example), not requests.
   * Throws QueueFullError when `maxQueued` jobs already wait.
   */
  start(
    config: RunConfigInput & { id: string },
    baseDir = this.options.baseDir,
    { confine = true }: { confine?: boolean } = {},
  ): JobInfo {
    if (this.#queue.length >= (this.options.maxQueued ?? 16)) {
      throw new QueueFullError(
        `${this.#queue.length} runs are already waiting; try again when one has finished`,
      );
    }
    const id = `job-${this.#next++}`;
    let resolveDone!: (info: JobInfo) => void;
    const done = new Promise<JobInfo>((r) => (resolveDone = r));
    const info: JobInfo = { id, runId: config.id, state: 'queued', queuedAt: new Date().toISOString() };
    const job: Job = { info, config, baseDir, confine, done, resolve: resolveDone };
    this.#jobs.set(id, job);
    this.#queue.push(job);
    this.#pump();
    return this.get(id)!;
  }

  #pump(): void {
    while (this.#running < this.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#running++;
      this.#launch(job);
    }
    this.#queue.forEach((job) => this.#notify(job.info));
  }

  #launch(job: Job): void {
    const { info } = job;
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-job-'));
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify(this.#childJob({ config: job.config }, job.baseDir, job.confine)));
    const [cmd, args] = tsCommand(CHILD, this.options.maxHeapMb ?? 4096);
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: job.baseDir });
    lowerPriority(child.pid);
    job.child = child;
    info.state = 'running';
    info.startedAt = new Date().toISOString();
    this.#notify(info);
    const timeoutMs = this.options.timeoutMs ?? 3_600_000;
    const timer = setTimeout(() => {
      this.#stop(
        job,
        'failed',
        `stopped after the job time limit of ${Math.round(timeoutMs / 1000)} s (--job-timeout)`,
      );
    }, timeoutMs);
    let stderr = '';
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        try {
          const message = JSON.parse(line) as { progress?: RunProgress };
          if (message.progress) {
            info.progress = message.progress;
            this.#notify(info);
          }
        } catch {
          // not a progress line (a plugin's own output)
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const finish = (code: number | null, signal: string | null, error?: string) => {
      if (info.finishedAt) return;
      clearTimeout(timer);
      info.exitCode = code;
      info.finishedAt = new Date().toISOString();
      if (job.stopped) {
        info.state = job.stopped.state;
        info.error = job.stopped.reason;
      } else if (code === 0) {
        info.state = 'complete';
      } else {
        info.state = 'failed';
        info.error = error ?? failure(stderr, code, signal, this.options.maxHeapMb ?? 4096);
      }
      if (info.state !== 'complete') {
        this.options.store?.markEnded(info.runId, info.state as 'failed' | 'cancelled', info.error!);
      }
      rmSync(dir, { recursive: true, force: true });
      this.#running--;
      job.resolve(info);
      this.#notify(info);
      this.#pump();
    };
    child.on('error', (e) => finish(null, null, `cannot start the run process: ${e.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  }

  /** What the child reads: the job, where paths resolve, plugin modules, and the roots to re-check. */
  #childJob(job: object, baseDir: string, confine: boolean): object {
    const roots = confine ? this.options.workspace?.roots : undefined;
    const maxEvaluations = confine ? this.options.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS : undefined;
    return {
      ...job,
      baseDir,
      pluginModules: this.options.pluginModules,
      ...(roots ? { roots } : {}),
      ...(maxEvaluations ? { maxEvaluations } : {}),
    };
  }

  #stop(job: Job, state: 'failed' | 'cancelled', reason: string): void {
    job.stopped = { state, reason };
    const child = job.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    // A child busy in native code may ignore SIGTERM for a while.
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 3000).unref?.();
  }

  /**
   * Cancels a job: a queued one leaves the queue, a running one's process is killed; its run is
   * marked `cancelled`. Returns the job's info, or undefined for an unknown id.
   */
  cancel(id: string): JobInfo | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    const at = this.#queue.indexOf(job);
    if (at >= 0) {
      this.#queue.splice(at, 1);
      Object.assign(job.info, { state: 'cancelled', finishedAt: new Date().toISOString(), error: 'cancelled' });
      job.resolve(job.info);
      this.#notify(job.info);
      this.#pump();
    } else if (job.info.state === 'running') {
      this.#stop(job, 'cancelled', 'cancelled');
    }
    return this.get(id);
  }

  get(id: string): JobInfo | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    const at = this.#queue.indexOf(job);
    const { position: _old, ...info } = job.info;
    return at >= 0 ? { ...info, position: at + 1 } : info;
  }

  /** Calls `listener` with the job's info on every change (progress, queue place, end); returns the unsubscribe. */
  watch(id: string, listener: (info: JobInfo) => void): () => void {
    const set = this.#listeners.get(id) ?? new Set();
    this.#listeners.set(id, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  #notify(info: JobInfo): void {
    for (const listener of this.#listeners.get(info.id) ?? []) listener(this.get(info.id)!);
  }

  list(): JobInfo[] {
    return [...this.#jobs.keys()].map((id) => this.get(id)!);
  }

  /** Resolves when the job has ended (complete, failed or cancelled). */
  wait(id: string): Promise<JobInfo> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.reject(new Error(`no job ${id}`));
    return job.done;
  }

  /**
   * Loads a model in a child process and reports its outputs and capabilities (the run form's
   * head choice and which methods fit); rejects with the child's error, or after `timeoutMs`.
   * A probe of the same model is answered from a cache for a minute. Probes do not queue: they
   * load a model on the cpu backend and are bounded by the timeout and the heap cap.
   */
  probe(
    plugin: string,
    options: Record<string, unknown>,
    output?: string | number,
    timeoutMs = 60_000,
  ): Promise<ModelProbe> {
    const key = JSON.stringify([plugin, options, output ?? null]);
    const cached = this.#probes.get(key);
    if (cached && cached.at > Date.now() - PROBE_TTL_MS) return cached.result;
    // Probes are bounded like runs: a few processes at once, a few more waiting, the rest refused.
    if (this.#probing >= Math.max(1, this.options.maxProbes ?? 2)) {
      if (this.#probeWaiting.length >= (this.options.maxQueued ?? 16)) {
        return Promise.reject(new QueueFullError('too many models are being loaded at once; try again in a moment'));
      }
    }
    const result = this.#slot().then(() => this.#probe(plugin, options, output, timeoutMs)).finally(() => {
      this.#probing--;
      this.#probeWaiting.shift()?.();
    });
    this.#probes.set(key, { at: Date.now(), result });
    result.catch(() => this.#probes.delete(key));
    return result;
  }

  /** Resolves when a probe may start (and counts it). */
  #slot(): Promise<void> {
    if (this.#probing < Math.max(1, this.options.maxProbes ?? 2)) {
      this.#probing++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#probeWaiting.push(() => {
        this.#probing++;
        resolve();
      })
    );
  }

  #probe(
    plugin: string,
    options: Record<string, unknown>,
    output: string | number | undefined,
    timeoutMs: number,
  ): Promise<ModelProbe> {
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-probe-'));
    const file = join(dir, 'job.json');
    const { baseDir } = this.options;
    writeFileSync(file, JSON.stringify(this.#childJob({ probe: { plugin, options, output } }, baseDir, true)));
    // Loading a model needs little: the probe's heap stays between 512 MiB and 2 GiB.
    const heapMb = Math.max(512, Math.min(this.options.maxHeapMb ?? 4096, 2048));
    const [cmd, args] = tsCommand(CHILD, heapMb);
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: baseDir });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-1_000_000)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const finish = (error?: string) => {
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        for (const line of stdout.split('\n')) {
          try {
            const message = JSON.parse(line) as Partial<ModelProbe>;
            if (message.outputs && message.capabilities) return resolve(message as ModelProbe);
          } catch {
            // a plugin's own output
          }
        }
        reject(new ProbeError(error ?? failure(stderr, code, signal, heapMb)));
      };
      child.on('error', (e) => finish(`cannot start the model process: ${e.message}`));
      let code: number | null = null;
      let signal: string | null = null;
      child.on('close', (c, s) => {
        code = c;
        signal = s;
        finish(timedOut ? `loading the model timed out after ${timeoutMs / 1000} s` : undefined);
      });
    });
  }

  /** Stops every job: queued ones are dropped, running ones killed (their runs marked cancelled). */
  stopAll(): void {
    for (const job of [...this.#queue]) this.cancel(job.info.id);
    for (const job of this.#jobs.values()) {
      if (job.info.state === 'running') this.#stop(job, 'cancelled', 'the dashboard was stopped');
    }
  }
}
