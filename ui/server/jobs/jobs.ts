/**
 * Runs started from the dashboard. Each job is a child process (`child.ts`) calling
 * runAttributions, so the server's event loop stays free while maps are computed. The run
 * itself writes its manifest batch by batch; the job only tracks the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { lowerPriority } from '../lib/priority.ts';
import { type ModelCapabilities, moduleUrl, type RunConfigInput, type RunProgress } from '../../../core/index.ts';

export interface JobInfo {
  id: string;
  runId: string;
  state: 'running' | 'complete' | 'failed';
  startedAt: string;
  finishedAt?: string;
  exitCode?: number | null;
  /** The child's last error lines when it failed. */
  error?: string;
  progress?: RunProgress;
}

export interface JobOptions {
  /** Directory relative paths in configs resolve against (model and data files). */
  baseDir: string;
  /** Plugin modules the child registers (paths or specifiers), e.g. the built-ins' index. */
  pluginModules: string[];
}

const CHILD = fileURLToPath(moduleUrl('./child.ts', import.meta.url));

/** The command that runs a TypeScript file on the current runtime. */
function tsCommand(file: string): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), ['run', '-A', file]];
  // Compiled (the npm package): plain Node. From the sources: through tsx.
  if (file.endsWith('.js')) return [process.execPath, [file]];
  return [process.execPath, ['--import', import.meta.resolve('tsx'), file]];
}

/** What a probe of a model reports: its heads, the head probed, and what it offers the methods. */
export interface ModelProbe {
  outputs: { name: string; shape: (number | null)[]; scores: string; note?: string }[];
  output: string;
  capabilities: ModelCapabilities;
}

const PROBE_TTL_MS = 60_000;

export class JobManager {
  readonly #probes = new Map<string, { at: number; result: Promise<ModelProbe> }>();
  readonly #jobs = new Map<string, { info: JobInfo; child: ChildProcess; done: Promise<JobInfo> }>();
  readonly #listeners = new Map<string, Set<(info: JobInfo) => void>>();
  #next = 1;

  constructor(readonly options: JobOptions) {}

  /**
   * Starts computing a run whose config is already validated (its `id` and `runsDir` set).
   * `baseDir` overrides the directory the config's relative paths resolve against.
   */
  start(config: RunConfigInput & { id: string }, baseDir = this.options.baseDir): JobInfo {
    const id = `job-${this.#next++}`;
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-job-'));
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ config, baseDir, pluginModules: this.options.pluginModules }));
    const [cmd, args] = tsCommand(CHILD);
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: baseDir });
    lowerPriority(child.pid);
    const info: JobInfo = { id, runId: config.id, state: 'running', startedAt: new Date().toISOString() };
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
      stderr = (stderr + chunk).slice(-4000);
    });
    const done = new Promise<JobInfo>((resolve) => {
      const finish = (code: number | null, error?: string) => {
        if (info.finishedAt) return;
        info.exitCode = code;
        info.finishedAt = new Date().toISOString();
        info.state = code === 0 ? 'complete' : 'failed';
        if (code !== 0) info.error = error ?? (stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${code}`);
        rmSync(dir, { recursive: true, force: true });
        resolve(info);
        this.#notify(info);
      };
      child.on('error', (error) => finish(null, `cannot start the run process: ${error.message}`));
      child.on('close', (code) => finish(code));
    });
    this.#jobs.set(id, { info, child, done });
    return info;
  }

  get(id: string): JobInfo | undefined {
    return this.#jobs.get(id)?.info;
  }

  /** Calls `listener` with the job's info on every progress line and when it ends; returns the unsubscribe. */
  watch(id: string, listener: (info: JobInfo) => void): () => void {
    const set = this.#listeners.get(id) ?? new Set();
    this.#listeners.set(id, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  #notify(info: JobInfo): void {
    for (const listener of this.#listeners.get(info.id) ?? []) listener(info);
  }

  list(): JobInfo[] {
    return [...this.#jobs.values()].map((j) => j.info);
  }

  /** Resolves when the job's process has exited. */
  wait(id: string): Promise<JobInfo> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.reject(new Error(`no job ${id}`));
    return job.done;
  }

  /**
   * Loads a model in a child process and reports its outputs and capabilities (the run form's
   * head choice and which methods fit); rejects with the child's error, or after `timeoutMs`.
   * A probe of the same model is answered from a cache for a minute.
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
    const result = this.#probe(plugin, options, output, timeoutMs);
    this.#probes.set(key, { at: Date.now(), result });
    result.catch(() => this.#probes.delete(key));
    return result;
  }

  #probe(
    plugin: string,
    options: Record<string, unknown>,
    output: string | number | undefined,
    timeoutMs: number,
  ): Promise<ModelProbe> {
    const dir = mkdtempSync(join(tmpdir(), 'gradlens-probe-'));
    const file = join(dir, 'job.json');
    const { baseDir, pluginModules } = this.options;
    writeFileSync(file, JSON.stringify({ probe: { plugin, options, output }, baseDir, pluginModules }));
    const [cmd, args] = tsCommand(CHILD);
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: baseDir });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
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
        reject(new Error(error ?? (stderr.trim().split('\n').slice(-3).join('\n') || 'the model did not load')));
      };
      child.on('error', (e) => finish(`cannot start the model process: ${e.message}`));
      child.on(
        'close',
        (code, signal) => finish(signal === 'SIGTERM' && code === null ? 'loading the model timed out' : undefined),
      );
    });
  }

  /** Stops every running job (their runs are left `incomplete`, resumable with the CLI). */
  stopAll(): void {
    for (const { info, child } of this.#jobs.values()) if (info.state === 'running') child.kill('SIGTERM');
  }
}
