/**
 * The attacker's world for the security tests: a project folder the dashboard serves (the tiny
 * model and data, a runs directory), and a folder outside it holding what must never be read or
 * run: a secret `.npy`, a model, a module that leaves a mark when imported, a fake nsfwjs package.
 * Inside the project, symlinks lead out to them.
 */
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../core/index.ts';
import { writeTinyProject } from '../../ui/testing/model-run.ts';

export interface World {
  project: string;
  outside: string;
  /** The file an imported evil module writes. */
  mark: string;
}

/** A value that appears in no legitimate file: found in a response, it leaked. */
export const SECRET_VALUE = 1234.5;

let made: Promise<World> | undefined;

export function world(): Promise<World> {
  made ??= (async () => {
    const project = realpathSync(mkdtempSync(join(tmpdir(), 'gradlens-project-')));
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'gradlens-outside-')));
    await writeTinyProject(project);
    const mark = join(outside, 'pwned');
    writeFileSync(
      join(outside, 'evil.mjs'),
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(mark)}, 'x');\nexport default {};\n`,
    );
    writeFileSync(join(outside, 'secret.npy'), encodeNpy(new Float32Array(12 * 64).fill(SECRET_VALUE), [12, 8, 8, 1]));
    writeFileSync(join(outside, 'baseline.npy'), encodeNpy(new Float32Array(64).fill(SECRET_VALUE), [8, 8, 1]));
    writeFileSync(join(outside, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    cpSync(join(project, 'model.json'), join(outside, 'model.json'));
    cpSync(join(project, 'weights.bin'), join(outside, 'weights.bin'));
    mkdirSync(join(outside, 'nsfwjs', 'dist', 'models'), { recursive: true });
    mkdirSync(join(outside, 'images', 'a'), { recursive: true });
    symlinkSync(join(outside, 'secret.npy'), join(project, 'linked.npy'));
    symlinkSync(outside, join(project, 'linked-dir'));
    return { project, outside, mark };
  })();
  return made;
}
