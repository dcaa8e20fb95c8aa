import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS, isNavigation, parseViewState, viewQuery } from '../../ui/app/lib/url-state.ts';
import { sampleRanges, topClasses } from '../../ui/render/sample.ts';

const test = suite('ui url state');

test('a view round-trips through its query, defaults left out, the token kept', () => {
  const state = parseViewState(
    '?token=abc&run=a&compare=b,c&batch=2&sample=3&method=1&scale=shared&explain=4&cmap=viridis&norm=column&sort=loss&clip=97&overlay=1&filter=class:2',
  );
  assert.equal(state.run, 'a');
  assert.equal(state.compare, ['b', 'c']);
  assert.is(state.batch, 2);
  assert.equal(state.open, { sample: 3, method: 1, scale: 'shared', explain: 4 });
  assert.equal(state.settings, {
    ...DEFAULT_SETTINGS,
    cmap: 'viridis',
    norm: 'column',
    sort: 'loss',
    clip: 97,
    overlay: true,
    filter: 'class:2',
  });
  const query = viewQuery('?token=abc&run=x&sample=9', state);
  assert.equal(parseViewState(query), state);
  assert.match(query, /^\?token=abc&/);
  assert.is(viewQuery('', { run: 'a', compare: [], batch: 0, open: null, settings: DEFAULT_SETTINGS }), '?run=a');
});

test('values that do not parse fall back to their defaults', () => {
  const s = parseViewState('?run=a&batch=-1&sample=x&cmap=evil&sort=drop&clip=5&filter=<script>&norm=1');
  assert.is(s.batch, 0);
  assert.is(s.open, null);
  assert.equal(s.settings, DEFAULT_SETTINGS);
});

test('moving to another run, batch or sample is a navigation; a setting is not', () => {
  const a = parseViewState('?run=a&batch=1');
  assert.ok(isNavigation(a, parseViewState('?run=a&batch=2')));
  assert.ok(isNavigation(a, parseViewState('?run=a&batch=1&sample=0')));
  assert.ok(isNavigation(a, parseViewState('?run=b&batch=1')));
  assert.not.ok(isNavigation(a, parseViewState('?run=a&batch=1&cmap=grey')));
});

test('top classes are sorted by probability; one scale is shared by maps of the same kind', () => {
  assert.equal(topClasses([0.1, 0.5, 0.05, 0.3, 0.02, 0.03], 3).map((c) => c.index), [1, 3, 0]);
  const maps = [
    { plane: Float32Array.from([0, 1, 2]), signed: false },
    { plane: Float32Array.from([0, 4, 8]), signed: false },
    { plane: Float32Array.from([-3, 0, 1]), signed: true },
  ];
  const shared = sampleRanges(maps, 'shared', 100);
  assert.equal(shared[0], shared[1]);
  assert.equal(shared[1], { lo: 0, hi: 8 });
  assert.equal(shared[2], { lo: -3, hi: 3 });
  const each = sampleRanges(maps, 'each', 100);
  assert.equal(each[0], { lo: 0, hi: 2 });
});

test.run();
