import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AccessError, GradlensError } from '../errors/errors.ts';

/**
 * What a dashboard may read: the folders (roots) its user allowed, each resolved with symlinks
 * followed. A path from a request is confined to them; anything else is refused with an
 * AccessError that names the roots, never where the path really led, nor whether it exists.
 */
export class Workspace {
  /** Real paths of the allowed folders. */
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    if (roots.length === 0) {
      throw new GradlensError('a workspace needs at least one allowed folder', { where: '--allow' });
    }
    this.roots = unique(roots.map((root) => {
      const full = resolve(root);
      if (!existsSync(full) || !statSync(full).isDirectory()) {
        throw new GradlensError('is not a folder; --allow takes folders the dashboard may read from', {
          where: `--allow ${full}`,
        });
      }
      return realpathSync(full);
    }));
  }

  /** True when the real path `real` is one of the roots or lies under one. */
  contains(real: string): boolean {
    return this.roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
  }

  /**
   * Resolves `path` (relative ones against `baseDir`) with every symlink followed, also for a
   * file that does not exist yet (through its nearest existing folder), and returns the real path
   * when it lies inside a root. `where` names the option in the error.
   */
  confine(path: string, baseDir: string, where: string): string {
    if (path.includes('\0')) throw this.#refuse(where);
    const full = isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
    const real = realOf(full);
    if (!this.contains(real)) throw this.#refuse(where);
    return real;
  }

  /** `real` relative to the root holding it (for listings), with `/` separators. */
  display(real: string): string {
    const root = this.roots.find((r) => real === r || real.startsWith(r + sep)) ?? this.roots[0];
    return relative(root, real).split(sep).join('/') || '.';
  }

  #refuse(where: string): AccessError {
    return new AccessError(
      `is outside the workspace; the dashboard reads only files under ${this.roots.join(', ')} ` +
        '(start it with --allow DIR to add a folder)',
      { where },
    );
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The real path of `full`: its nearest existing ancestor resolved, the rest appended. */
function realOf(full: string): string {
  let existing = full;
  const rest: string[] = [];
  while (!exists(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(existing.slice(parent.length).replace(/^[/\\]/, ''));
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    // A dangling symlink or a loop: it cannot be shown to lie inside.
    return '\0unresolvable';
  }
  return rest.length ? join(real, ...rest) : real;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
