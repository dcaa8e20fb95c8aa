#!/usr/bin/env node
// Builds and packs the prebuilt native engine for this platform: @gradlens/engine-<os>-<arch>[-<libc>],
// an optional dependency of gradlens holding the compiled addon and the shared libraries it links
// that a bare machine lacks (oneDNN, and OpenMP and the OpenCL loader oneDNN links), found beside it
// through its $ORIGIN rpath. With it, `npm install gradlens` gives the fast engine with no compiler
// and no oneDNN installed. Needs what a source build needs (g++, libdnnl-dev) on the build machine.
// Usage: node scripts/pack-engine.mjs [--out build/packages]   (docs/release.md: every platform)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const packOut = outArg > 0 ? process.argv[outArg + 1] : join(root, 'build', 'packages');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

if (process.platform !== 'linux') {
  console.error(`pack-engine: this script packs Linux engines; for ${process.platform} follow docs/release.md`);
  process.exit(2);
}
const libc = process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl';
const platform = `${process.platform}-${process.arch}-${libc}`;
const name = `@gradlens/engine-${platform}`;
const dir = join(root, 'build', 'engine', platform);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) {
    console.error(`pack-engine: ${cmd} ${args.join(' ')} failed:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    process.exit(1);
  }
  return r.stdout;
};

run(process.execPath, [
  join(root, 'scripts', 'build-native.mjs'),
  '--force',
  '--strict',
  '--out',
  dir,
  '--rpath-origin',
], {
  stdio: 'inherit',
});
rmSync(join(dir, 'status.json'), { force: true });
const addon = join(dir, 'gradlens_native.node');

// The libraries to carry: oneDNN and what it brings that is not part of every glibc system.
// libstdc++, libgcc_s, libm and libc stay the system's (a second libstdc++ in one process breaks).
const CARRIED = /^(libdnnl|libgomp|libOpenCL)\.so/;
const libraries = (file) =>
  run('ldd', [file]).split('\n').map((l) => /^\s*(\S+) => (\S+)/.exec(l)).filter(Boolean)
    .map(([, soname, path]) => ({ soname, path }));
const direct = libraries(addon);
const dnnl = direct.find((l) => l.soname.startsWith('libdnnl'));
const carried = new Map();
for (const lib of [...direct, ...(dnnl ? libraries(dnnl.path) : [])]) {
  if (CARRIED.test(lib.soname) && lib.path !== 'not') carried.set(lib.soname, realpathSync(lib.path));
}
if (![...carried.keys()].some((s) => s.startsWith('libdnnl'))) {
  console.error('pack-engine: the addon does not link oneDNN; is libdnnl-dev installed?');
  process.exit(1);
}
for (const [soname, path] of carried) copyFileSync(path, join(dir, soname));

// Every carried library must now resolve beside the addon, not from the system.
const resolved = libraries(addon).filter((l) => CARRIED.test(l.soname));
const stray = resolved.filter((l) => dirname(l.path) !== dir);
if (stray.length > 0) {
  console.error(`pack-engine: still resolved from the system: ${stray.map((l) => l.path).join(', ')}`);
  process.exit(1);
}

// The licences of what is carried, from the Debian packages they came from.
const notices = [];
for (const path of carried.values()) {
  const owner = spawnSync('dpkg', ['-S', path], { encoding: 'utf8' }).stdout.split(':')[0];
  const copyright = owner && `/usr/share/doc/${owner}/copyright`;
  if (copyright && existsSync(copyright)) {
    notices.push(`==== ${basename(path)} (Debian package ${owner})\n\n${readFileSync(copyright, 'utf8')}`);
  }
}
writeFileSync(join(dir, 'THIRD_PARTY_NOTICES'), notices.join('\n\n'));
writeFileSync(
  join(dir, 'README.md'),
  `# ${name}\n\nThe prebuilt native engine of [gradlens](https://www.npmjs.com/package/gradlens) for ${platform}: ` +
    `its Node-API addon (oneDNN kernels) with ${[...carried.keys()].join(', ')} beside it. ` +
    'Installed by gradlens as an optional dependency; not meant to be used on its own.\n',
);
writeFileSync(
  join(dir, 'package.json'),
  JSON.stringify(
    {
      name,
      version,
      description: `gradlens native engine (oneDNN) for ${platform}`,
      license: 'MIT AND Apache-2.0',
      os: [process.platform],
      cpu: [process.arch],
      ...(libc === 'gnu' ? { libc: ['glibc'] } : { libc: ['musl'] }),
      files: ['gradlens_native.node', ...carried.keys(), 'THIRD_PARTY_NOTICES', 'README.md'],
      main: 'gradlens_native.node',
    },
    null,
    2,
  ) + '\n',
);
mkdirSync(packOut, { recursive: true });
const tarball = run('npm', ['pack', '--silent', '--pack-destination', packOut], { cwd: dir }).trim().split('\n').pop();
console.log(`pack-engine: ${join(packOut, tarball)} (${[...carried.keys()].join(', ')} beside the addon)`);
