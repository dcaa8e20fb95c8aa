import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { callerFile } from '../../core/testing/caller.ts';

const test = suite('testing: callerFile');

test('skips gradlens/testing frames and reads Node paths and Deno/ESM file URLs', () => {
  const node = [
    'Error',
    '    at expectAttribution (/repo/core/testing/expect.ts:60:3)',
    '    at Object.handler (/repo/tests/my model.test.ts:12:5)',
  ].join('\n');
  assert.is(callerFile(node), '/repo/tests/my model.test.ts');
  const deno = [
    'Error',
    '    at expectAttribution (file:///repo/core/testing/expect.ts:60:3)',
    '    at file:///repo/tests/a%20b.test.ts:7:9',
  ].join('\n');
  assert.is(callerFile(deno), '/repo/tests/a b.test.ts');
  assert.is(callerFile('Error\n    at <anonymous>'), undefined);
});

test('prefers the nearest test file over helpers that wrap the assertion', () => {
  const stack = [
    'Error',
    '    at expectAttribution (/repo/core/testing/expect.ts:60:3)',
    '    at expectNoShortcut (/repo/examples/shortcut/no-shortcut.ts:20:10)',
    '    at Object.handler (/repo/tests/examples/shortcut.test.ts:70:11)',
  ].join('\n');
  assert.is(callerFile(stack), '/repo/tests/examples/shortcut.test.ts');
  assert.is(callerFile(stack.split('\n').slice(0, 3).join('\n')), '/repo/examples/shortcut/no-shortcut.ts');
});

test.run();
