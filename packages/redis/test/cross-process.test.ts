import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "./redis-server.js";
import { startUpstream, type Upstream } from "./upstream.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/breaker-process.mjs", import.meta.url));

interface Message {
  type: string;
  [key: string]: unknown;
}

/** A forked Node process running one chain (see fixtures/breaker-process.mjs). */
class Peer {
  readonly child: ChildProcess;
  readonly #inbox: Message[] = [];
  readonly #waiting: ((m: Message) => void)[] = [];

  constructor(env: Record<string, string>) {
    this.child = fork(SCRIPT, { env: { ...process.env, ...env }, stdio: "inherit" });
    this.child.on("message", (m: Message) => {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(m);
      else this.#inbox.push(m);
    });
  }

  /** The next message (the child answers each command with one). */
  next(): Promise<Message> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      this.#waiting.push(resolve);
      this.child.once("exit", (code) => reject(new Error(`child exited (${code})`)));
    });
  }

  ask(command: Message): Promise<Message> {
    this.child.send(command);
    return this.next();
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.send({ type: "exit" });
    const [code] = await exited;
    expect(code).toBe(0);
  }
}

let redis: TestRedis;
let shared: Upstream;
let backup: Upstream;
const peers: Peer[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [shared, backup] = await Promise.all([startUpstream("shared"), startUpstream("backup")]);
});

afterAll(async () => {
  for (const peer of peers) peer.child.kill();
  await Promise.all([shared.close(), backup.close()]);
  await redis.kill();
});

describe("two processes sharing one breaker through Redis", () => {
  it("when one process opens the member's breaker, the other skips it within 1 s; both return to it when it recovers", async () => {
    const env = { REDIS_URL: redis.url, SHARED_URL: shared.baseUrl, BACKUP_URL: backup.baseUrl };
    const opener = new Peer({ ...env, FAILURE_THRESHOLD: "1" });
    // The follower would not open on its own failures for a long time.
    const follower = new Peer({ ...env, FAILURE_THRESHOLD: "1000" });
    peers.push(opener, follower);
    await Promise.all([opener.next(), follower.next()]); // ready
    expect(await opener.ask({ type: "request" })).toMatchObject({ servedBy: 0 });
    expect(await follower.ask({ type: "request" })).toMatchObject({ servedBy: 0 });

    // Three rounds: the shared member fails, the opener opens its breaker, the follower (sending
    // requests one after the other, falling back each time) follows; then it recovers.
    const measured: { adoptedMs: number; skippedMs: number }[] = [];
    for (let round = 0; round < 3; round++) {
      shared.failing = true;
      follower.child.send({ type: "until-skipped" });
      const tripped = await opener.ask({ type: "request" });
      expect(tripped.servedBy).toBe(1);
      const events = tripped.events as { type: string; index: number; at: number }[];
      const opened = events.find((e) => e.type === "breaker-open" && e.index === 0);
      expect(opened).toBeDefined();

      const skipped = await follower.next();
      expect(skipped.type).toBe("skipped");
      const followerEvents = skipped.events as { type: string; index: number; source?: string }[];
      expect(followerEvents.find((e) => e.type === "breaker-open")).toMatchObject({
        index: 0,
        source: "store",
      });
      measured.push({
        adoptedMs: (skipped.adoptedAt as number) - opened!.at,
        skippedMs: (skipped.at as number) - opened!.at,
      });

      // It recovers: both processes are served by it again.
      shared.failing = false;
      const [a, b] = await Promise.all([
        opener.ask({ type: "until-served" }),
        follower.ask({ type: "until-served" }),
      ]);
      expect([a.type, b.type]).toEqual(["served", "served"]);
    }
    console.log(
      `cross-process propagation (opened in one process → open in the other, → first request that skips it): ${measured
        .map((m) => `${m.adoptedMs} ms / ${m.skippedMs} ms`)
        .join(", ")}`,
    );
    for (const m of measured) expect(m.skippedMs).toBeLessThan(1_000);
    await Promise.all([opener.exit(), follower.exit()]);
  });
});
