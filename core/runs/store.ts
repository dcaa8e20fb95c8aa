import { statSync } from 'node:fs';
import { sep } from 'node:path';
import { hostname } from 'node:os';
import process from 'node:process';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { encodeNpy, type NpyArray, type NpyData, parseNpy } from '../io/npy.ts';
import { SafeId } from '../io/safe-id.ts';
import { BATCH_FILES, batchDirName, curveFile, Manifest, mapFile, metricFile, statFile } from './manifest.ts';
import { mergeShards } from './merge.ts';
import { QueueStatus } from './queue-status.ts';
import { MAX_SHARDS, shardFileName, ShardRecord } from './shard.ts';
import { FileStorage, type RunStorage } from './storage.ts';

/** Largest manifest read (it lists every batch: about 150 bytes each). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
/** Largest shard record read. */
const MAX_SHARD_RECORD_BYTES = 64 * 1024 * 1024;
/** Largest `queue.json` read (about 100 bytes a job). */
const MAX_QUEUE_STATUS_BYTES = 32 * 1024 * 1024;
/** Largest array file read: far above any batch of maps, far below what would exhaust memory. */
const MAX_ARRAY_BYTES = 2 ** 31 - 1;
/** Largest ids.json read. */
const MAX_IDS_BYTES = 64 * 1024 * 1024;

/** A summary line per run, for listings; a run whose manifest cannot be read is `broken`, with why. */
export interface RunSummary {
  id: string;
  status: Manifest['status'] | 'broken';
  /** Why a run failed or is broken. */
  error?: string;
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
 * every path is checked to stay inside the directory (symlinks included). The files live in a
 * {@link RunStorage}: a directory (given as a path), or another backend.
 */
export class RunStore {
  /** The runs directory (or the backend's location). */
  readonly root: string;
  readonly storage: RunStorage;

  constructor(root: string | RunStorage) {
    this.storage = typeof root === 'string' ? new FileStorage(root) : root;
    this.root = this.storage.location;
  }

  /**
   * Every run, newest first. A folder with a manifest that cannot be read or validated is listed
   * as `broken` with the reason (its path inside the runs directory only); folders without a
   * manifest, and runs linked in from outside, are not runs.
   */
  list(): RunSummary[] {
    const out: RunSummary[] = [];
    for (const name of this.storage.list([])) {
      if (!SafeId.safeParse(name).success) continue;
      if (!this.storage.exists([name, 'manifest.json'])) continue;
      // A run linked in from outside a runs directory is not one of its runs.
      if (this.storage instanceof FileStorage) {
        try {
          this.checkReal(this.path(name, 'manifest.json'));
        } catch {
          continue;
        }
      }
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
          ...(m.error ? { error: m.error } : {}),
        });
      } catch (error) {
        const reason = (error as Error).message.replaceAll(this.root + sep, '');
        const when = this.storage instanceof FileStorage
          ? statSync(this.path(name, 'manifest.json')).mtime.toISOString()
          : new Date(0).toISOString();
        out.push({
          id: name,
          status: 'broken',
          error: reason,
          createdAt: when,
          updatedAt: when,
          batches: 0,
          methods: [],
          model: '',
          dataset: '',
        });
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  has(id: string): boolean {
    return SafeId.safeParse(id).success && this.storage.exists([id, 'manifest.json']);
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
    const key = this.key(id, 'manifest.json');
    const path = this.describe(key);
    let json: unknown;
    try {
      const bytes = this.storage.read(key, MAX_MANIFEST_BYTES);
      if (!bytes) throw new Error('no such file');
      json = JSON.parse(new TextDecoder().decode(bytes));
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

  /**
   * Marks a run that its writer left behind (killed, out of memory, cancelled) as ended, with the
   * reason; a run already complete or failed is left as it is. Returns false when it has no
   * readable manifest.
   */
  markEnded(id: string, status: 'failed' | 'cancelled', error: string): boolean {
    let manifest: Manifest;
    try {
      manifest = this.read(id);
    } catch {
      return false;
    }
    if (manifest.status === 'complete' || manifest.status === 'failed') return true;
    const now = new Date().toISOString();
    const { writer: _gone, ...rest } = manifest;
    this.write({ ...rest, status, error, updatedAt: now, finishedAt: now });
    return true;
  }

  write(manifest: Manifest): void {
    const valid = Manifest.parse(manifest);
    this.storage.write(this.key(valid.id, 'manifest.json'), JSON.stringify(valid, null, 2) + '\n');
  }

  /**
   * Writes a new run's manifest unless one exists: of processes starting one run at once, exactly
   * one creates it (a hard link fails when the name exists, also on NFS). Returns whether this
   * call created it.
   */
  create(manifest: Manifest): boolean {
    const valid = Manifest.parse(manifest);
    return this.storage.create(this.key(valid.id, 'manifest.json'), JSON.stringify(valid, null, 2) + '\n');
  }

  /** Writes a shard's progress record (only that shard writes it). */
  writeShard(id: string, record: ShardRecord): void {
    const valid = ShardRecord.parse(record);
    this.storage.write(this.key(id, 'shards', shardFileName(valid.index)), JSON.stringify(valid, null, 2) + '\n');
  }

  /** Every readable shard record of a run; one being replaced or unreadable is skipped. */
  readShards(id: string): ShardRecord[] {
    const out: ShardRecord[] = [];
    const names = this.storage.list(this.key(id, 'shards')).filter((n) => /^\d{4}\.json$/.test(n));
    for (const name of names.sort().slice(0, MAX_SHARDS)) {
      try {
        const bytes = this.storage.read(this.key(id, 'shards', name), MAX_SHARD_RECORD_BYTES);
        const parsed = bytes && ShardRecord.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
        if (parsed && parsed.success) out.push(parsed.data);
      } catch {
        // Skipped: another process may be writing it.
      }
    }
    return out;
  }

  /** Writes a queued run's `queue.json` (only the process that enqueued the run writes it). */
  writeQueueStatus(id: string, status: QueueStatus): void {
    this.storage.write(this.key(id, 'queue.json'), JSON.stringify(QueueStatus.parse(status)) + '\n');
  }

  /** A queued run's `queue.json`, or undefined for a run that was never queued. */
  readQueueStatus(id: string): QueueStatus | undefined {
    const key = this.key(id, 'queue.json');
    const bytes = this.storage.read(key, MAX_QUEUE_STATUS_BYTES);
    if (!bytes) return undefined;
    const parsed = QueueStatus.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!parsed.success) {
      throw new GradlensError(`invalid queue status: ${describeZodIssues(parsed.error.issues)}`, {
        where: this.describe(key),
      });
    }
    return parsed.data;
  }

  /** Absolute path of a file of a batch, e.g. `batchFile(id, 0, 'inputs.npy')` (a runs directory only). */
  batchFile(id: string, batch: number, file: string): string {
    return this.files().path(this.batchKey(id, batch, file));
  }

  writeArray(id: string, batch: number, file: string, data: NpyData, shape: readonly number[]): void {
    this.storage.write(this.batchKey(id, batch, file), encodeNpy(data, shape));
  }

  readArray(id: string, batch: number, file: string): NpyArray {
    const key = this.batchKey(id, batch, file);
    const bytes = this.storage.read(key, MAX_ARRAY_BYTES);
    if (!bytes) throw new GradlensError('no such file in this run', { where: this.describe(key) });
    return parseNpy(bytes, this.describe(key));
  }

  /** Writes a batch's ids, its last file: a batch with ids.json is complete. */
  writeIds(id: string, batch: number, ids: string[]): void {
    this.storage.write(this.batchKey(id, batch, BATCH_FILES.ids), JSON.stringify(ids));
  }

  readIds(id: string, batch: number): string[] {
    const key = this.batchKey(id, batch, BATCH_FILES.ids);
    const bytes = this.storage.read(key, MAX_IDS_BYTES);
    if (!bytes) throw new GradlensError('no such file in this run', { where: this.describe(key) });
    return JSON.parse(new TextDecoder().decode(bytes));
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

  /** A metric's values `[N]` for one method in one batch. */
  readMetric(id: string, batch: number, method: string, metric: string): NpyArray {
    assertSafeId(method, 'method');
    assertSafeId(metric, 'metric');
    return this.readArray(id, batch, metricFile(method, metric));
  }

  /** A metric's curve `[N, K]` for one method in one batch. */
  readCurve(id: string, batch: number, method: string, metric: string, curve: string): NpyArray {
    assertSafeId(method, 'method');
    assertSafeId(metric, 'metric');
    assertSafeId(curve, 'curve');
    return this.readArray(id, batch, curveFile(method, metric, curve));
  }

  /** Joins segments under the root after validating the run id; refuses anything outside (a runs directory only). */
  path(id: string, ...segments: string[]): string {
    return this.files().path(this.key(id, ...segments));
  }

  /** Refuses files that are (or sit under) symlinks leading out of the runs directory (a runs directory only). */
  checkReal(path: string): string {
    return this.files().checkReal(path);
  }

  /** Where a run is, for messages and results: its directory, or its place in the backend. */
  where(id: string): string {
    return this.storage instanceof FileStorage ? this.path(id) : this.describe(this.key(id));
  }

  /** A key under the root after validating the run id and every segment. */
  key(id: string, ...segments: string[]): string[] {
    assertSafeId(id, 'run id');
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0')) {
        throw new GradlensError(`invalid path segment '${s}'`);
      }
    }
    return [id, ...segments];
  }

  private batchKey(id: string, batch: number, file: string): string[] {
    if (!Number.isInteger(batch) || batch < 0) throw new GradlensError(`invalid batch index ${batch}`);
    return this.key(id, 'batches', batchDirName(batch), ...file.split('/'));
  }

  /** Where a key is, for messages. */
  private describe(key: string[]): string {
    return `${this.root}/${key.join('/')}`;
  }

  /** The file backend, for what needs paths (the dashboard streams files; the events stream stats them). */
  private files(): FileStorage {
    if (this.storage instanceof FileStorage) return this.storage;
    throw new GradlensError(`this needs a runs directory on a filesystem; runs are in ${this.root}`);
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
