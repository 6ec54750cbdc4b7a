import { fork } from "node:child_process";
import type { ChildMessage, Job, SessionCommand, SessionJob, SessionReply } from "./child/jobs.js";
import type { ServerReadyMessage } from "./server/server-main.js";

/** Runs one job in a fresh Node process; never rejects. */
export function runJob(
  script: string,
  job: Job,
  options: { execArgv?: string[]; timeoutMs: number },
): Promise<ChildMessage> {
  return new Promise((resolve) => {
    const child = fork(script, [JSON.stringify(job)], {
      execArgv: options.execArgv ?? [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled: ChildMessage | undefined;
    const timer = setTimeout(() => {
      settled ??= {
        ok: false,
        error: `timed out after ${options.timeoutMs} ms`,
        verification: false,
      };
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("message", (message: ChildMessage) => {
      settled ??= message;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(
        settled ?? {
          ok: false,
          error: `child exited with ${signal ?? code} before reporting`,
          verification: false,
        },
      );
    });
  });
}

/** The loopback server process. */
export interface ServerHandle extends ServerReadyMessage {
  origin: string;
  stop(): Promise<void>;
}

/** Starts the loopback server in its own process and waits for its ports. */
export function startServer(script: string, corrupt = false): Promise<ServerHandle> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, BENCH_CORRUPT: corrupt ? "1" : "0" },
    });
    const onExit = (code: number | null): void => reject(new Error(`server exited with ${code}`));
    child.once("exit", onExit);
    child.once("message", (message: ServerReadyMessage) => {
      child.off("exit", onExit);
      resolve({
        ...message,
        origin: `http://127.0.0.1:${message.port}`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            child.once("exit", () => {
              clearTimeout(timer);
              done();
            });
            child.send({ type: "close" });
          }),
      });
    });
  });
}

/** A running client session (see `SessionJob`). */
export interface SessionHandle {
  /** Resolves with the session's ready message (or its startup failure). */
  ready: Promise<SessionReply>;
  /** Sends one command and waits for its reply; a dead or timed-out child yields a failure. */
  run(command: Extract<SessionCommand, { cmd: "run" }>): Promise<SessionReply>;
  /** Asks the session to close and waits for the process to exit. */
  close(): Promise<void>;
}

/** Starts a client session process. */
export function startSession(
  script: string,
  job: SessionJob,
  options: { execArgv?: string[]; timeoutMs: number },
): SessionHandle {
  const child = fork(script, [JSON.stringify(job)], {
    execArgv: options.execArgv ?? [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let pending: ((reply: SessionReply) => void) | undefined;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      pending?.({ ok: false, error: `session exited with ${signal ?? code}`, verification: false });
      pending = undefined;
      resolve();
    });
  });
  child.on("message", (reply: SessionReply) => {
    const resolve = pending;
    pending = undefined;
    resolve?.(reply);
  });
  const next = (): Promise<SessionReply> =>
    new Promise((resolve) => {
      if (exited) {
        resolve({ ok: false, error: "session is not running", verification: false });
        return;
      }
      const timer = setTimeout(() => {
        pending = undefined;
        child.kill("SIGKILL");
        resolve({
          ok: false,
          error: `timed out after ${options.timeoutMs} ms`,
          verification: false,
        });
      }, options.timeoutMs);
      pending = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  return {
    ready: next(),
    run(command) {
      const reply = next();
      if (!exited) child.send(command);
      return reply;
    },
    async close() {
      if (!exited) {
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.send({ type: "close", cmd: "close" });
        await exit;
        clearTimeout(timer);
      }
    },
  };
}
