import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve, sep } from 'node:path';
import process from 'node:process';
import { describeZodIssues, GradlensError } from '../errors/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodeNpy, type NpyArray, type NpyData, parseNpy } from '../io/npy.ts';
import { SafeId } from '../io/safe-id.ts';
import { BATCH_FILES, batchDirName, curveFile, Manifest, mapFile, metricFile, statFile } from './manifest.ts';

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
 * every path is checked to stay inside the directory (symlinks included).
 */
export class RunStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * Every run, newest first. A folder with a manifest that cannot be read or validated is listed
   * as `broken` with the reason (its path inside the runs directory only); folders without a
   * manifest, and runs linked in from outside, are not runs.
   */
  list(): RunSummary[] {
    if (!existsSync(this.root)) return [];
    const out: RunSummary[] = [];
    for (const name of readdirSync(this.root)) {
      if (!SafeId.safeParse(name).success) continue;
      const path = join(this.root, name, 'manifest.json');
      if (!existsSync(path)) continue;
      try {
        this.checkReal(path);
      } catch {
        continue;
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
        const reason = (error as Error).message.replace(this.root + sep, '');
        const when = statSync(path).mtime.toISOString();
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
    return SafeId.safeParse(id).success && existsSync(join(this.root, id, 'manifest.json'));
  }

  /**
   * Reads and validates a manifest. A run marked `running` whose writer process is gone is
   * reported as `incomplete` (it was killed).
   */
  read(id: string): Manifest {
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
    writeFileAtomic(this.path(valid.id, 'manifest.json'), JSON.stringify(valid, null, 2) + '\n');
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

function isAlive(writer: { pid: number; host: string }): boolean {
  if (writer.host !== hostname()) return true; // cannot tell; assume it is still running
  if (writer.pid === process.pid) return true;
  try {
    process.kill(writer.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
