import { spawnSync } from "node:child_process";
// The redis package's own test server: a `redis-server` on a free loopback port, no persistence.
import { startRedis as startTestRedis } from "../../../packages/redis/test/redis-server.js";

/** A `redis-server` of the bench's own on a free loopback port, without persistence. */
export interface RedisProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts one, or returns undefined when `redis-server` is not installed. */
export async function startRedis(): Promise<RedisProcess | undefined> {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return undefined;
  const redis = await startTestRedis();
  return { url: redis.url, stop: () => redis.kill() };
}
