/**
 * Where the queue lives: a Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for
 * TLS), and the names gradlens uses there. One BullMQ queue per run, named after it; a Redis set
 * lists the runs being computed, so workers find them.
 */
import { Redis } from 'ioredis';
import { GradlensError } from '../errors/errors.ts';

/** ioredis connection options, as BullMQ takes them. */
export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  /** BullMQ's workers block on Redis: ioredis must not give up on a request (BullMQ requires null). */
  maxRetriesPerRequest: null;
}

/** Parses `--queue redis://HOST:PORT`; errors say what a right one looks like. */
export function parseRedisUrl(text: string, where: string = '--queue'): RedisConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GradlensError(`expected a Redis URL such as redis://localhost:6379, got '${text}'`, { where });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new GradlensError(`expected a redis:// or rediss:// URL, got '${url.protocol}'`, { where });
  }
  if (!url.hostname) throw new GradlensError(`the Redis URL '${text}' names no host`, { where });
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) {
    throw new GradlensError(`the Redis URL's path must be a database number such as /0, got '/${path}'`, { where });
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(path ? { db: Number(path) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages and records. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** The BullMQ queue of a run. BullMQ forbids ':' in queue names; run ids never hold one. */
export function queueName(runId: string): string {
  return `gradlens-${runId}`;
}

/** Redis set of the runs being computed: JSON `{ id, runsDir }` members (see ./jobs.ts). */
export const ACTIVE_RUNS_KEY = 'gradlens:active-runs';

/**
 * A Redis client that has answered a PING, or a GradlensError naming the URL when none answers
 * within `timeoutMs`. (BullMQ's clients retry forever: a wrong URL would otherwise hang.)
 */
export async function connectRedis(url: string, timeoutMs: number = 10_000, where: string = '--queue'): Promise<Redis> {
  const redis = new Redis({ ...parseRedisUrl(url, where), lazyConnect: true });
  redis.on('error', () => {}); // reported below, or retried by ioredis once connected
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new GradlensError(
      `cannot reach Redis at ${redactUrl(url)} (${
        (error as Error).message
      }); is redis-server running there, and the URL right?`,
      { where },
    );
  } finally {
    clearTimeout(timer);
  }
}
