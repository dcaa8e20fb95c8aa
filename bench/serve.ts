/**
 * The line protocol between bench/main.ts and its measuring processes (bench/runner.ts for
 * gradlens and tfjs, bench/torch_reference.py --serve for PyTorch): the child prints one JSON
 * hello line, then answers each JSON request line on stdin with one JSON line on stdout.
 * Separate processes keep each side's state apart: stock tfjs never sees gradlens' kernels, and
 * oneDNN primitives (cached per shape) are only ever built for the thread count they run with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import process from 'node:process';

/** A measuring process's answer: the milliseconds of each timed call, or why it failed. */
export interface Reply {
  ms?: number[];
  error?: string;
}

export class LineServer {
  private readonly pending: { resolve(line: string): void; reject(error: Error): void }[] = [];
  private stderrTail = '';
  private exited?: string;

  private constructor(private readonly child: ChildProcess, readonly label: string) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.pending.shift()?.resolve(line));
    // Writing to a process that died fails through `exited`, not an unhandled EPIPE.
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (chunk) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      // The last line of a traceback or error says what happened (e.g. No module named 'torch').
      const last = this.stderrTail.trim().split('\n').filter((l) => l.trim()).pop() ?? '';
      this.exited = `${label} exited (${signal ?? code}): ${last.trim()}`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.exited));
    });
  }

  /** Starts `command args` and waits for its hello line (rejects with its stderr if it dies first). */
  static async start(
    label: string,
    command: string,
    args: string[],
  ): Promise<{ server: LineServer; hello: Record<string, unknown> }> {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new LineServer(child, label);
    const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
    const hello = JSON.parse(await Promise.race([server.next(), spawnError]));
    return { server, hello };
  }

  private next(): Promise<string> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  /** Sends one request and waits for its reply. */
  async request(message: object): Promise<Reply> {
    const reply = this.next();
    this.child.stdin!.write(JSON.stringify(message) + '\n');
    return JSON.parse(await reply) as Reply;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/**
 * The child's side: prints `hello`, then calls `handle` on each request line in order and prints
 * its reply. Anything else the process logs goes to stderr, so stdout carries only the protocol.
 */
export async function serveLines(hello: object, handle: (request: any) => Promise<Reply>): Promise<void> {
  const write = process.stdout.write.bind(process.stdout);
  console.log = console.error;
  console.info = console.error;
  write(JSON.stringify(hello) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let reply: Reply;
    try {
      reply = await handle(JSON.parse(line));
    } catch (error) {
      reply = { error: (error as Error).message.split('\n')[0].slice(0, 160) };
    }
    write(JSON.stringify(reply) + '\n');
  }
}
