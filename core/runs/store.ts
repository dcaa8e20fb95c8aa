import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve, sep } from 'node:path';
import process from 'node:process';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodeNpy, type NpyArray, type NpyData, parseNpy } from '../io/npy.ts';
import { SafeId } from '../io/safe-id.ts';
import { BATCH_FILES, batchDirName, Manifest, mapFile, statFile } from './manifest.ts';
import { mergeShards } from './merge.ts';
import { QueueStatus } from './queue-status.ts';
import { MAX_SHARDS, shardFileName, ShardRecord } from './shard.ts';

/** Largest shard record read (a record lists its batches: about 150 bytes each). */
const MAX_SHARD_RECORD_BYTES = 64 * 1024 * 1024;
/** Largest `queue.json` read (about 100 bytes a job). */
const MAX_QUEUE_STATUS_BYTES = 32 * 1024 * 1024;

/** A summary line per run, for listings. */
export interface RunSummary {
  id: string;
  status: Manifest['status'];
  createdAt: string;
  updatedAt: string;
  batches: number;
  plannedBatches?: number;
  methods: string[];
  model: string;
  dataset: string;
}

/**
 * The runs directory: `runs/<id>/manifest.json` and `runs/<id>/batches/<00000>/...npy`. The only
 * source of truth; readers hold no state that is not on disk. Every identifier is validated and
 * every path is checked to stay inside the directory (symlinks included).
 */
export class RunStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Ids of runs with a readable manifest, newest first. */
  list(): RunSummary[] {
    if (!existsSync(this.root)) return [];
    const out: RunSummary[] = [];
    for (const name of readdirSync(this.root)) {
      if (!SafeId.safeParse(name).success) continue;
      try {
        const m = this.read(name);
        // A copied or linked run whose manifest names another directory is not listed twice.
        if (m.id !== name) continue;
        out.push({
          id: m.id,
          status: m.status,
          createdAt: m.createdAt,
          updatedAt: m.updatedAt,
          batches: m.batches.length,
          plannedBatches: m.plannedBatches,
          methods: m.methods.map((x) => x.id),
          model: m.model.plugin,
          dataset: m.dataset.plugin,
        });
      } catch {
        // A directory without a valid manifest is not a run.
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  has(id: string): boolean {
    return SafeId.safeParse(id).success && existsSync(join(this.root, id, 'manifest.json'));
  }

  /**
   * Reads and validates a manifest. A run marked `running` whose writer process is gone is
   * reported as `incomplete` (it was killed). A sharded run not yet merged is read with its
   * shards' progress folded in (see ./merge.ts), so it fills in while its shards run.
   */
  read(id: string): Manifest {
    const manifest = this.readManifestFile(id);
    if (manifest.shards && manifest.status !== 'complete') return mergeShards(manifest, this.readShards(id), isAlive);
    return manifest;
  }

  /** The manifest file as written, without the shards' progress. */
  readManifestFile(id: string): Manifest {
    const path = this.path(id, 'manifest.json');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.checkReal(path), 'utf8'));
    } catch (error) {
      throw new GradlensError(`cannot read manifest (${(error as Error).message.split('\n')[0]})`, { where: path });
    }
    const parsed = Manifest.safeParse(json);
    if (!parsed.success) {
      throw new GradlensError(`invalid manifest: ${describeZodIssues(parsed.error.issues)}`, { where: path });
    }
    const manifest = parsed.data;
    if (manifest.status === 'running' && manifest.writer && !isAlive(manifest.writer)) {
      return { ...manifest, status: 'incomplete' };
    }
    return manifest;
  }

  write(manifest: Manifest): void {
    const valid = Manifest.parse(manifest);
    writeFileAtomic(this.path(valid.id, 'manifest.json'), JSON.stringify(valid, null, 2) + '\n');
  }

  /**
   * Writes a new run's manifest unless one exists: of processes starting one run at once, exactly
   * one creates it (a hard link fails when the name exists, also on NFS). Returns whether this
   * call created it.
   */
  create(manifest: Manifest): boolean {
    const valid = Manifest.parse(manifest);
    const path = this.path(valid.id, 'manifest.json');
    mkdirSync(this.path(valid.id), { recursive: true });
    const temp = this.path(valid.id, `.manifest.json.${process.pid}.${Date.now()}.tmp`);
    writeFileSync(temp, JSON.stringify(valid, null, 2) + '\n');
    try {
      linkSync(temp, path);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw error;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Writes a shard's progress record (only that shard writes it). */
  writeShard(id: string, record: ShardRecord): void {
    const valid = ShardRecord.parse(record);
    writeFileAtomic(this.path(id, 'shards', shardFileName(valid.index)), JSON.stringify(valid, null, 2) + '\n');
  }

  /** Every readable shard record of a run; one being replaced or unreadable is skipped. */
  readShards(id: string): ShardRecord[] {
    const dir = this.path(id, 'shards');
    if (!existsSync(dir)) return [];
    const out: ShardRecord[] = [];
    for (const name of readdirSync(dir).sort().slice(0, MAX_SHARDS)) {
      if (!/^\d{4}\.json$/.test(name)) continue;
      const path = join(dir, name);
      try {
        const real = this.checkReal(path);
        if (statSync(real).size > MAX_SHARD_RECORD_BYTES) continue;
        const parsed = ShardRecord.safeParse(JSON.parse(readFileSync(real, 'utf8')));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // Skipped: another process may be writing it.
      }
    }
    return out;
  }

  /** Writes a queued run's `queue.json` (only the process that enqueued the run writes it). */
  writeQueueStatus(id: string, status: QueueStatus): void {
    writeFileAtomic(this.path(id, 'queue.json'), JSON.stringify(QueueStatus.parse(status)) + '\n');
  }

  /** A queued run's `queue.json`, or undefined for a run that was never queued. */
  readQueueStatus(id: string): QueueStatus | undefined {
    const path = this.path(id, 'queue.json');
    if (!existsSync(path)) return undefined;
    const real = this.checkReal(path);
    if (statSync(real).size > MAX_QUEUE_STATUS_BYTES) {
      throw new GradlensError(`queue status larger than ${MAX_QUEUE_STATUS_BYTES} bytes`, { where: path });
    }
    const parsed = QueueStatus.safeParse(JSON.parse(readFileSync(real, 'utf8')));
    if (!parsed.success) {
      throw new GradlensError(`invalid queue status: ${describeZodIssues(parsed.error.issues)}`, { where: path });
    }
    return parsed.data;
  }

  /** Absolute path of a file of a batch, e.g. `batchFile(id, 0, 'inputs.npy')`. */
  batchFile(id: string, batch: number, file: string): string {
    if (!Number.isInteger(batch) || batch < 0) throw new GradlensError(`invalid batch index ${batch}`);
    return this.path(id, 'batches', batchDirName(batch), ...file.split('/'));
  }

  writeArray(id: string, batch: number, file: string, data: NpyData, shape: readonly number[]): void {
    writeFileAtomic(this.batchFile(id, batch, file), encodeNpy(data, shape));
  }

  readArray(id: string, batch: number, file: string): NpyArray {
    const path = this.batchFile(id, batch, file);
    if (!existsSync(path)) throw new GradlensError('no such file in this run', { where: path });
    return parseNpy(new Uint8Array(readFileSync(this.checkReal(path))), path);
  }

  readIds(id: string, batch: number): string[] {
    const path = this.batchFile(id, batch, BATCH_FILES.ids);
    return JSON.parse(readFileSync(this.checkReal(path), 'utf8'));
  }

  mapPath(id: string, batch: number, method: string): string {
    assertSafeId(method, 'method');
    return this.batchFile(id, batch, mapFile(method));
  }

  readMap(id: string, batch: number, method: string): NpyArray {
    assertSafeId(method, 'method');
    return this.readArray(id, batch, mapFile(method));
  }

  readStat(id: string, batch: number, method: string, stat: string): NpyArray {
    assertSafeId(method, 'method');
    assertSafeId(stat, 'statistic');
    return this.readArray(id, batch, statFile(method, stat));
  }

  /** Joins segments under the root after validating the run id; refuses anything outside. */
  path(id: string, ...segments: string[]): string {
    assertSafeId(id, 'run id');
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) {
        throw new GradlensError(`invalid path segment '${s}'`);
      }
    }
    const full = resolve(this.root, id, ...segments);
    if (!full.startsWith(this.root + sep)) throw new GradlensError('path escapes the runs directory');
    return full;
  }

  /** Refuses files that are (or sit under) symlinks leading out of the runs directory. */
  checkReal(path: string): string {
    const real = realpathSync(path);
    const root = realpathSync(this.root);
    if (!real.startsWith(root + sep)) {
      throw new GradlensError('path escapes the runs directory');
    }
    return real;
  }
}

function assertSafeId(value: string, what: string): void {
  if (!SafeId.safeParse(value).success) {
    throw new GradlensError(
      `invalid ${what} '${value}': use letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
}

/** Whether a run's writer process lives (a process on another host is assumed to). */
export function isAlive(writer: { pid: number; host: string }): boolean {
  if (writer.host !== hostname()) return true; // cannot tell; assume it is still running
  if (writer.pid === process.pid) return true;
  try {
    process.kill(writer.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
