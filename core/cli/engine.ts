import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import type { Command } from './types.ts';

/**
 * `gradlens engine`: which tfjs backend this machine gets and where the native (oneDNN) kernels
 * come from (the prebuilt platform package, a local source build, or neither, with the reason),
 * and which shared libraries were loaded for them. `--build-native` (re)compiles them from source
 * first: the step `npm install` runs, for installs whose lifecycle scripts were skipped.
 */
export const engineCommand: Command = {
  name: 'engine',
  summary: 'show the backend and native kernels in use; --build-native compiles them',
  usage: 'gradlens engine [--backend NAME] [--build-native]',
  async run({ argv, stdout, stderr }) {
    const { values } = parseArgs({
      args: argv,
      options: { backend: { type: 'string' }, 'build-native': { type: 'boolean' } },
      strict: true,
    });
    const [{ describeBackend, initBackend }, native, { packageRoot }] = await Promise.all([
      import('../engine/backend.ts'),
      import('../engine/native/addon.ts'),
      import('../io/module-url.ts'),
    ]);
    if (values['build-native']) {
      const script = join(packageRoot(), 'scripts', 'build-native.mjs');
      const built = spawnSync(process.execPath, [script, '--force', '--strict'], { stdio: 'inherit' });
      if (built.status !== 0) {
        stderr(`gradlens: the native build failed; the messages above say what is missing\n`);
        return 2;
      }
    }
    const info = await initBackend(values.backend);
    stdout(`backend: ${describeBackend(info)}\n`);
    for (const s of info.skipped) stdout(`  skipped ${s.name}: ${s.reason}\n`);
    if (info.id === 'wasm') {
      const load = native.loadNative();
      if (info.details.native && load.source) {
        const from = load.source.kind === 'package' ? `package ${load.source.name}` : 'local source build';
        stdout(`native kernels: ${info.details.native}, from the ${from} (${load.source.file})\n`);
        for (const file of native.nativeLibraries()) stdout(`  loaded ${file}\n`);
      } else {
        stdout(`native kernels: not in use: ${info.details.nativeSkipped}\n`);
      }
      for (const t of load.tried) stdout(`  tried ${t}\n`);
    }
    return 0;
  },
};
