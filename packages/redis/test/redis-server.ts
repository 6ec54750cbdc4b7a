import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

/** A `redis-server` of the test's own on a loopback port, without persistence. */
export interface TestRedis {
  readonly url: string;
  /** Kills it (SIGKILL: a crash, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
}

/**
 * Starts a `redis-server` on a free loopback port; `kill()` it when done. The pool bench
 * (bench/src/pool/redis-process.ts) starts its own with this too.
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = once(running, "exit");
      running.kill("SIGKILL"); // also ends a paused one
      await exited;
    },
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
    async start() {
      if (child !== undefined) return;
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ];
      const started = spawn("redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
      child = started;
      await ready(started);
    },
  };
  await redis.start();
  return redis;
}

/** Resolves when the server logs that it accepts connections; rejects if it exits first. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (data: Buffer) => {
      log += data.toString();
      if (log.includes("Ready to accept connections")) {
        child.stdout!.off("data", onData);
        child.stdout!.resume(); // keep draining its log
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`redis-server exited (${code}): ${log}`));
    child.stdout!.on("data", onData);
    child.once("exit", onExit);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
