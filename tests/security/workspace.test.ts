/**
 * The workspace's confinement on its own: paths that try to leave the allowed folders by `..`,
 * symlinks (to files, folders, dangling, in a chain), a sibling whose name extends a root's, or
 * a file not there yet under a linked folder; options marked as paths or code however deep they
 * sit; an image folder whose class names or images lead out; and the `serve` flags that set it.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessError, GradlensError } from '../../core/errors/errors.ts';
import { encodePng } from '../../core/io/images.ts';
import { markedOptions } from '../../core/workspace/marked-options.ts';
import { confineRun } from '../../core/workspace/confine-run.ts';
import { Workspace } from '../../core/workspace/workspace.ts';
import { imageFolderDataset } from '../../plugins/index.ts';
import { serveCommand } from '../../ui/commands.ts';
import { startDashboard } from '../../ui/server/dashboard.ts';
import { runCli } from '../../core/cli/main.ts';
import { builtinRegistry } from '../../ui/testing/model-run.ts';

const test = suite('security: workspace');
const base = realpathSync(mkdtempSync(join(tmpdir(), 'gradlens-ws-')));
const root = join(base, 'project');
const sibling = join(base, 'project-evil');
mkdirSync(join(root, 'data'), { recursive: true });
mkdirSync(sibling);
writeFileSync(join(root, 'data', 'x.npy'), 'x');
writeFileSync(join(sibling, 'secret.npy'), 'secret');
symlinkSync(join(sibling, 'secret.npy'), join(root, 'to-file.npy'));
symlinkSync(sibling, join(root, 'to-dir'));
symlinkSync(join(root, 'to-dir'), join(root, 'chain'));
symlinkSync(join(base, 'gone'), join(root, 'dangling.npy'));
symlinkSync(join(root, 'data'), join(root, 'inner-link'));
const ws = new Workspace([root]);

test('paths inside the roots come back real; every way out is the same AccessError', () => {
  assert.is(ws.confine('data/x.npy', root, 'x'), join(root, 'data', 'x.npy'));
  assert.is(ws.confine('inner-link/x.npy', root, 'x'), join(root, 'data', 'x.npy'), 'a link inside stays inside');
  assert.is(ws.confine('data/new/later.npy', root, 'x'), join(root, 'data', 'new', 'later.npy'));
  assert.is(ws.confine(root, '/', 'x'), root, 'the root itself');
  const messages = new Set<string>();
  for (
    const path of [
      '../project-evil/secret.npy',
      sibling,
      join(sibling, 'secret.npy'),
      'to-file.npy',
      'to-dir/secret.npy',
      'to-dir/not-yet/there.npy',
      'chain/secret.npy',
      'dangling.npy',
      'data/../../project-evil/secret.npy',
      '/etc/passwd',
      '/',
      'data/x.npy\0',
    ]
  ) {
    try {
      ws.confine(path, root, 'dataset.options.x');
      assert.unreachable(`${path} was let through`);
    } catch (error) {
      assert.instance(error, AccessError, path);
      assert.is((error as AccessError).status, 403);
      const message = (error as Error).message;
      assert.not.ok(message.includes(sibling), `${path}: ${message}`);
      messages.add(message);
    }
  }
  assert.is(messages.size, 1, [...messages].join('\n'));
  assert.match([...messages][0], /^dataset\.options\.x: is outside the workspace; .* --allow DIR/);
});

test('--allow adds folders to the one the dashboard serves from, once each', async () => {
  const d = await startDashboard({ runsDir: join(root, 'runs'), baseDir: root, allow: [sibling, root], port: 0 });
  try {
    assert.equal(d.jobs.options.workspace?.roots, [root, sibling]);
  } finally {
    await d.close();
  }
});

test('a root must be a folder; several roots each allow their own files', () => {
  assert.throws(
    () => new Workspace([join(base, 'nope')]),
    (e: Error) => e instanceof GradlensError && /--allow/.test(e.message),
  );
  assert.throws(() => new Workspace([join(root, 'data', 'x.npy')]), /not a folder/);
  const two = new Workspace([root, sibling]);
  assert.is(two.confine('to-file.npy', root, 'x'), join(sibling, 'secret.npy'));
});

test('marked options are found at any depth, and only where the schema marks them', () => {
  const registry = builtinRegistry();
  const npy = registry.get('dataset', 'npy').options;
  assert.equal(
    markedOptions(npy, { x: 'a.npy', extra: { mask: 'm.npy' }, classNames: ['/etc/passwd'] }).map((m) => m.at),
    [['x'], ['extra', 'mask']],
  );
  const ig = registry.get('attribution', 'integrated-gradients').options;
  assert.equal(markedOptions(ig, { baseline: 'blur' }), [], "a baseline's name is not a path");
  assert.equal(markedOptions(ig, { baseline: 0.5 }), []);
  assert.equal(markedOptions(ig, { baseline: 'b.npy' }).map((m) => m.kind), ['path']);
  const idx = registry.get('dataset', 'idx').options;
  assert.equal(markedOptions(idx, {}), [], "the plugin's own default folder is not from the request");
  assert.equal(markedOptions(idx, { dir: '/etc' }).map((m) => m.pathKind), ['dir']);
  const nsfw = registry.get('model', 'nsfwjs-mobilenet-v2').options;
  assert.equal(markedOptions(nsfw, { packageDir: '.' }).map((m) => m.kind), ['code']);
  assert.equal(markedOptions(nsfw, {}), []);
});

test('a run is confined as a whole: model, dataset, methods and the methods they wrap, metrics', () => {
  const registry = builtinRegistry();
  const run = (over: Record<string, unknown>) => ({
    model: { plugin: 'layers-model', options: { path: 'data/x.npy' } },
    dataset: { plugin: 'npy', options: { x: 'data/x.npy' } },
    methods: [{
      plugin: 'smoothgrad',
      options: { base: { plugin: 'integrated-gradients', options: { baseline: 'data/x.npy' } } },
    }],
    metrics: [{ plugin: 'complexity', options: {} }],
    ...over,
  });
  const settings = { workspace: ws, baseDir: root, mustExist: true };
  const ok = confineRun(registry, run({}), settings);
  assert.is(ok.model.options!.path, join(root, 'data', 'x.npy'));
  assert.is(
    (ok.methods![0].options!.base as { options: { baseline: string } }).options.baseline,
    join(root, 'data', 'x.npy'),
  );
  assert.throws(
    () => confineRun(registry, run({ metrics: [{ plugin: 'no-such-metric' }] }), settings),
    /no-such-metric/,
  );
  assert.throws(
    () => confineRun(registry, run({ dataset: { plugin: 'npy', options: { x: 'data/none.npy' } } }), settings),
    /dataset\.options\.x: no such file: data\/none\.npy/,
  );
});

test('image-folder: class names are folder names, and images must lie inside the folder', async () => {
  const images = join(root, 'images');
  mkdirSync(join(images, 'cat'), { recursive: true });
  mkdirSync(join(sibling, 'stolen'), { recursive: true });
  const png = encodePng({ width: 2, height: 2, data: new Uint8Array(16).fill(200) });
  writeFileSync(join(images, 'cat', 'a.png'), png);
  writeFileSync(join(sibling, 'stolen', 'b.png'), png);
  const open = (options: unknown) =>
    imageFolderDataset.open(imageFolderDataset.options.parse(options), { baseDir: root });
  await open({ dir: 'images' });
  for (const names of [['../../project-evil/stolen'], ['..'], ['cat/../..']]) {
    try {
      await open({ dir: 'images', classNames: names });
      assert.unreachable(names.join());
    } catch (error) {
      assert.match((error as Error).message, /is not a folder name/);
    }
  }
  symlinkSync(join(sibling, 'stolen', 'b.png'), join(images, 'cat', 'z.png'));
  try {
    await open({ dir: 'images' });
    assert.unreachable('a linked image was read');
  } catch (error) {
    assert.match((error as Error).message, /leads outside the image folder/);
  }
});

test('serve refuses a missing --allow folder and bad limits in one line, before listening', async () => {
  const run = async (...argv: string[]) => {
    let stderr = '';
    const code = await runCli(['serve', '--port', '0', ...argv], {
      registry: builtinRegistry(),
      commands: [serveCommand],
      stdout: () => {},
      stderr: (t) => void (stderr += t),
    });
    return { code, stderr };
  };
  for (
    const [argv, message] of [
      [['--allow', join(base, 'nope')], /--allow .*nope: is not a folder/],
      [['--jobs', '0'], /--jobs: expected a whole number >= 1, got '0'/],
      [['--queue', '-1'], /--queue/],
      [['--job-timeout', 'soon'], /--job-timeout/],
      [['--max-evaluations', '0'], /--max-evaluations: expected a number >= 1/],
    ] as const
  ) {
    const r = await run(...argv);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

test.run();
