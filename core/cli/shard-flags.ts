import process from 'node:process';
import { GradlensError } from '../errors/errors.ts';
import { parseShard, type ShardSpec, shardSpec } from '../runs/shard-spec.ts';
import { positive } from './workers-flag.ts';

/**
 * The shard a process computes: `--shard i/N`, or `--shard-index-env VAR --shards N` reading i
 * from the environment (Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX in each pod).
 */
export function shardFlags(
  values: { shard?: string; 'shard-index-env'?: string; shards?: string },
  env: Record<string, string | undefined> = process.env,
): ShardSpec | undefined {
  const byEnv = values['shard-index-env'];
  if (values.shard !== undefined) {
    if (byEnv !== undefined || values.shards !== undefined) {
      throw new GradlensError('give either --shard i/N or --shard-index-env VAR with --shards N, not both', {
        where: '--shard',
      });
    }
    return parseShard(values.shard);
  }
  if (byEnv === undefined && values.shards === undefined) return undefined;
  if (byEnv === undefined || values.shards === undefined) {
    throw new GradlensError(
      '--shard-index-env and --shards go together: --shard-index-env JOB_COMPLETION_INDEX --shards 4',
      {
        where: byEnv === undefined ? '--shards' : '--shard-index-env',
      },
    );
  }
  const count = positive(values.shards, '--shards');
  const text = env[byEnv];
  if (text === undefined || !/^\d+$/.test(text.trim())) {
    throw new GradlensError(
      `environment variable ${byEnv} should hold this shard's index (0 to ${count - 1}), but it is ${
        text === undefined ? 'not set' : `'${text}'`
      }`,
      { where: '--shard-index-env' },
    );
  }
  return shardSpec(Number(text.trim()), count, `${byEnv}`);
}
