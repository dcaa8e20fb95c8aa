/**
 * A pool of worker threads computing batches (worker_threads: Node, and Deno 2's implementation
 * of it). Each worker has its own tfjs engine and its own copy of the model, and rebuilds the
 * run's methods from the plan; batches are handed out whole, one at a time per worker, so a
 * batch's result is the one a single worker (or the main thread) computes for it. The registry
 * is rebuilt in each worker from module specifiers: `registryModules` (the composition root's
 * built-ins, e.g. plugins/index.ts, set by bin/gradlens.ts through
 * {@link setDefaultRegistryModules}) and the run's plugin modules.
 */
import os from 'node:os';
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { GradlensError } from '../errors/errors.ts';
import { moduleUrl } from '../io/module-url.ts';
import type { BatchData, BatchResult } from '../pipeline/batch.ts';
import type { BatchComputer } from '../pipeline/loop.ts';
import type { RunPlan } from '../pipeline/plan.ts';

export interface PoolSetup {
  /** Modules whose exported plugins form each worker's registry (file URLs or absolute paths). */
  registryModules: string[];
  /** Further plugin modules (a run's `plugins`, `--plugin`), resolved against `baseDir`. */
  pluginModules: { specifier: string; baseDir: string }[];
  /** `--backend` / the config's backend; undefined means auto. */
  backend?: string;
  /** The run, as planned in the main thread. */
  plan: RunPlan;
}

export type Task = { kind: 'setup'; setup: PoolSetup } | { kind: 'batch'; data: BatchData };
export type TaskMessage = Task & { id: number };

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

let defaultRegistryModules: string[] = [];

/** The registry modules pools use when none are given (the command's composition root sets it). */
export function setDefaultRegistryModules(modules: string[]): void {
  defaultRegistryModules = [...modules];
}

export function getDefaultRegistryModules(): string[] {
  return [...defaultRegistryModules];
}

/** The default worker count: the machine's cores. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

export class WorkerPool implements BatchComputer {
  private nextId = 1;
  private waiting: (() => void)[] = [];
  private closed = false;

  private constructor(private readonly slots: Slot[]) {}

  get parallel(): number {
    return this.slots.length;
  }

  /** Starts `size` workers and loads the model and methods in each (in parallel). */
  static async start(size: number, setup: PoolSetup): Promise<WorkerPool> {
    if (setup.registryModules.length === 0) {
      throw new GradlensError(
        'workers need the registry modules to rebuild the plugins in each worker (registryModules); ' +
          'use --workers 1, or pass registryModules',
        { where: '--workers' },
      );
    }
    const deno = 'Deno' in globalThis;
    // From the sources on Node, worker.mjs registers tsx in the thread first; Deno runs the .ts.
    const entry = import.meta.url.endsWith('.ts') && !deno
      ? new URL('./worker.mjs', import.meta.url)
      : moduleUrl('./worker.ts', import.meta.url);
    const slots: Slot[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(entry, { stdout: false, stderr: false });
      const slot: Slot = { worker, busy: false, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        const waiter = slot.pending.get(reply.id);
        if (!waiter) return;
        slot.pending.delete(reply.id);
        if (slot.pending.size === 0) worker.unref();
        if (reply.ok) waiter.resolve(reply.result);
        else waiter.reject(revive(reply.error));
      });
      worker.on('error', (error) => failAll(slot, error instanceof Error ? error : new Error(String(error))));
      worker.on('exit', (code) => {
        if (slot.pending.size > 0) failAll(slot, new Error(`worker exited (code ${code}) with work pending`));
      });
      // An idle worker must not keep the process alive; one with work pending must.
      worker.unref();
      slots.push(slot);
    }
    const pool = new WorkerPool(slots);
    try {
      await Promise.all(slots.map((slot) => pool.send(slot, { kind: 'setup', setup })));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** One batch on the next free worker. */
  compute(data: BatchData): Promise<BatchResult> {
    return this.submit({ kind: 'batch', data }) as Promise<BatchResult>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private async submit(task: Task): Promise<unknown> {
    for (;;) {
      if (this.closed) throw new Error('worker pool closed');
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        slot.busy = true;
        try {
          return await this.send(slot, task);
        } finally {
          slot.busy = false;
          this.waiting.shift()?.();
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private send(slot: Slot, task: Task): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ ...task, id });
    });
  }
}

function failAll(slot: Slot, error: Error): void {
  for (const waiter of slot.pending.values()) waiter.reject(error);
  slot.pending.clear();
}

function revive(error: { name: string; message: string; stack?: string }): Error {
  const e = error.name === 'GradlensError' ? new GradlensError(error.message) : new Error(error.message);
  if (error.stack && process.env.GRADLENS_DEBUG) e.stack = error.stack;
  return e;
}
