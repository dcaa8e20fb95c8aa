import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../engine/backend.ts';
import { NATIVE_BUILD_DIR } from '../engine/native/addon.ts';
import type { Command } from './types.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));

/**
 * `gradlens engine`: which tfjs backend this machine gets and whether the native (oneDNN) kernels
 * are in use, with the reason when not. `--build-native` (re)compiles them first: the same step
 * `npm install` runs, for installs whose lifecycle scripts were skipped.
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
    if (values['build-native']) {
      const built = spawnSync(process.execPath, [BUILD_SCRIPT, '--force', '--strict'], { stdio: 'inherit' });
      if (built.status !== 0) {
        stderr(`gradlens: the native build failed; the messages above say what is missing\n`);
        return 2;
      }
    }
    const info = await initBackend(values.backend);
    stdout(`backend: ${describeBackend(info)}\n`);
    for (const s of info.skipped) stdout(`  skipped ${s.name}: ${s.reason}\n`);
    if (info.id === 'wasm') {
      stdout(
        info.details.native
          ? `native kernels: ${info.details.native} (${NATIVE_BUILD_DIR})\n`
          : `native kernels: not in use: ${info.details.nativeSkipped}\n`,
      );
    }
    return 0;
  },
};
