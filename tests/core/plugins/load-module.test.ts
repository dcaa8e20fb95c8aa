import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleRef } from '../../../core/plugins/load-module.ts';
import { Registry } from '../../../core/plugins/registry.ts';
import { cli, ROOT } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const test = suite('plugin modules: paths like every CLI, packages by name');

test('a name with a path shape or a script extension is a file, resolved against the base folder', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'my-plugins'), '');
  assert.equal(moduleRef('my-plugins.ts', dir), { kind: 'file', path: join(dir, 'my-plugins.ts') });
  assert.equal(moduleRef('examples/custom-plugins/plugins.ts', dir), {
    kind: 'file',
    path: join(dir, 'examples/custom-plugins/plugins.ts'),
  });
  assert.equal(moduleRef('./lib/p', dir), { kind: 'file', path: join(dir, 'lib/p') });
  assert.equal(moduleRef('/abs/p.mjs', dir), { kind: 'file', path: '/abs/p.mjs' });
  assert.equal(moduleRef('my-plugins', dir), { kind: 'file', path: join(dir, 'my-plugins') }, 'an existing file');
  assert.equal(moduleRef('gradlens-extra', dir), { kind: 'package', name: 'gradlens-extra' });
  assert.equal(moduleRef('@me/plugins', dir), { kind: 'package', name: '@me/plugins' });
  assert.equal(moduleRef('pkg/sub', dir), { kind: 'package', name: 'pkg/sub' });
});

test('plain JavaScript and TypeScript plugin modules register from a path without ./', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'lib'));
  const plugin = (name: string) =>
    `export default { kind: 'attribution', name: '${name}', description: 'd', needs: ['forward-only'], signed: false,
      options: { safeParse: (v) => ({ success: true, data: v }) }, attribute: ({ x }) => x.clone() };`;
  writeFileSync(join(dir, 'lib', 'plain.mjs'), plugin('plain-js'));
  writeFileSync(join(dir, 'typed.ts'), plugin('typed-ts').replace('({ x })', '({ x }: { x: { clone(): unknown } })'));
  const registry = new Registry();
  await registry.registerModule('lib/plain.mjs', dir);
  await registry.registerModule('typed.ts', dir);
  assert.ok(registry.has('attribution', 'plain-js'));
  assert.ok(registry.has('attribution', 'typed-ts'));
  assert.is(registry.sourceOf('attribution', 'typed-ts'), join(dir, 'typed.ts'));
  try {
    await registry.registerModule('missing.ts', dir);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /missing\.ts: module file not found/);
  }
  try {
    await registry.registerModule('no-such-gradlens-package', dir);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /no-such-gradlens-package: cannot import plugin module/);
  }
});

test('gradlens plugins --plugin takes the README path as written', async () => {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const r = await cli('plugins', '--plugin', 'examples/custom-plugins/plugins.ts');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /band-model/);
    assert.match(r.stdout, /vanilla-gradient/);
  } finally {
    process.chdir(cwd);
  }
});

test.run();
