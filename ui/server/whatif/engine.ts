/**
 * The what-if engines: one long-lived process per run (child.ts), started on the run's first edit
 * and kept loaded, so an edit costs one computation, not a model load. Each engine answers its
 * edits one at a time in arrival order; engines idle for a while, or beyond the most kept, are
 * stopped. The engine reads the run's manifest itself: a request names a run id, never a model.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { moduleUrl } from '../../../core/index.ts';
import { tsCommand } from '../lib/ts-command.ts';
import type { EngineReply, EngineRequest } from './protocol.ts';

const CHILD = fileURLToPath(moduleUrl('./child.ts', import.meta.url));

export interface EngineOptions {
  runsDir: string;
  /** Plugin modules the engine registers before the run's own (the built-ins). */
  pluginModules: string[];
  /** Stop an engine after this long without an edit (default 10 minutes). */
  idleMs?: number;
  /** Engines kept loaded at once; the least recently used is stopped first (default 4). */
  max?: number;
  /** Loading the model may take this long (default 60 s). */
  startMs?: number;
}

export type EngineAnswer = Extract<EngineReply, { ok: true }>;

class Engine {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly #pending = new Map<number, { resolve(r: EngineAnswer): void; reject(e: Error): void }>();
  #next = 1;
  #stderr = '';
  #exited?: string;
  #dir: string;
  #timer?: ReturnType<typeof setTimeout>;
  usedAt = Date.now();

  constructor(readonly key: string, run: string, o: EngineOptions, readonly onExit: () => void) {
    this.#dir = mkdtempSync(join(tmpdir(), 'gradlens-engine-'));
    const file = join(this.#dir, 'setup.json');
    writeFileSync(file, JSON.stringify({ runsDir: o.runsDir, run, pluginModules: o.pluginModules }));
    const [cmd, args] = tsCommand(CHILD);
    this.child = spawn(cmd, [...args, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => {});
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.#stderr = (this.#stderr + c).slice(-4000)));
    let hello: (() => void) | undefined;
    let fail: ((e: Error) => void) | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      hello = resolve;
      fail = reject;
    });
    const startTimer = setTimeout(() => {
      fail?.(new Error(`the engine of run '${run}' did not load its model within ${o.startMs ?? 60_000} ms`));
      this.stop();
    }, o.startMs ?? 60_000);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let message: EngineReply | { ready: true };
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if ('ready' in message) {
        clearTimeout(startTimer);
        return hello?.();
      }
      const p = this.#pending.get(message.id);
      if (!p) return;
      this.#pending.delete(message.id);
      if (message.ok) p.resolve(message);
      else p.reject(new Error(message.error));
    });
    this.child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      clearTimeout(this.#timer);
      const last = this.#stderr.trim().split('\n').filter((l) => l.trim()).slice(-3).join('\n');
      this.#exited = last || `the engine of run '${run}' stopped (${signal ?? code})`;
      const error = new Error(this.#exited);
      fail?.(error);
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
      rmSync(this.#dir, { recursive: true, force: true });
      this.onExit();
    });
    this.ready.catch(() => {});
  }

  async request(request: Omit<EngineRequest, 'id'>, idleMs: number): Promise<EngineAnswer> {
    await this.ready;
    if (this.#exited) throw new Error(this.#exited);
    this.usedAt = Date.now();
    clearTimeout(this.#timer);
    const id = this.#next++;
    const reply = new Promise<EngineAnswer>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.child.stdin!.write(JSON.stringify({ ...request, id }) + '\n');
    try {
      return await reply;
    } finally {
      this.usedAt = Date.now();
      if (this.#pending.size === 0) this.#timer = setTimeout(() => this.stop(), idleMs);
    }
  }

  stop(): void {
    if (!this.#exited) this.child.kill('SIGTERM');
  }
}

export class EngineManager {
  readonly #engines = new Map<string, Engine>();

  constructor(readonly options: EngineOptions) {}

  /**
   * Computes one sample on the run's engine, starting it if needed. `version` (the manifest's
   * creation time) tells a run replaced under the same id from the one the engine loaded.
   */
  compute(run: string, version: string, request: Omit<EngineRequest, 'id'>): Promise<EngineAnswer> {
    const key = `${run}@${version}`;
    let engine = this.#engines.get(key);
    if (!engine) {
      for (const [k, e] of this.#engines) if (k.startsWith(`${run}@`)) e.stop();
      const max = this.options.max ?? 4;
      const live = [...this.#engines.values()].sort((a, b) => a.usedAt - b.usedAt);
      while (live.length >= max) live.shift()!.stop();
      engine = new Engine(key, run, this.options, () => {
        if (this.#engines.get(key) === engine) this.#engines.delete(key);
      });
      this.#engines.set(key, engine);
    }
    return engine.request(request, this.options.idleMs ?? 600_000);
  }

  /** Process ids of the engines now loaded, by run (for tests and diagnostics). */
  running(): { run: string; pid: number | undefined }[] {
    return [...this.#engines.entries()].map(([k, e]) => ({ run: k.split('@')[0], pid: e.child.pid }));
  }

  close(): void {
    for (const e of this.#engines.values()) e.stop();
  }
}
