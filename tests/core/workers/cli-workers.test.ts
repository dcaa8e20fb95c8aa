import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../core/engine/backend.ts';
import { cliProcess } from '../../helpers/cli.ts';
import { saveLayersModel, seeded, smallConvNet, tempDir, writeNpy } from '../../helpers/fixtures.ts';

const test = suite('gradlens attribute --workers');

test('--workers 2 writes the same maps.npy, byte for byte, as --workers 1', async () => {
  await initBackend();
  const dir = tempDir();
  const net = smallConvNet({ classes: 4, activation: 'relu' });
  const model = await saveLayersModel(net, join(dir, 'model'));
  net.dispose();
  const x = writeNpy(join(dir, 'x.npy'), seeded(13 * 8 * 8 * 3, 9), [13, 8, 8, 3]);
  const outs = ['1', '2'].map((workers) => {
    const out = join(dir, `maps-${workers}.npy`);
    const args = ['attribute', '--model', model, '--inputs', x, '--out', out, '--batch-size', '3'];
    const r = cliProcess([
      ...args,
      '--method',
      'smoothgrad',
      '--option',
      'samples=3',
      '--option',
      'seed=4',
      '--workers',
      workers,
    ]);
    assert.is(r.code, 0, r.stderr);
    return readFileSync(out);
  });
  assert.ok(outs[0].equals(outs[1]));
});

test.run();
