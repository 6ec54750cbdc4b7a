import { type ChildProcess, fork } from "node:child_process";
import type { CpuMessage, ListeningMessage, UpstreamMode } from "./protocol.js";

/** A child process serving HTTP on a loopback port. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** The child's CPU time so far, seconds (user + system, measured in the child). */
  cpuSeconds(): Promise<number>;
  /** Tells the upstream how to answer (upstream only). */
  setMode(mode: UpstreamMode): Promise<void>;
  stop(): Promise<void>;
}

/** The child's next message of `type`; rejects when it exits first or after `timeoutMs`. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T["type"],
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${type} message from pid ${child.pid} in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`pid ${child.pid} exited with ${code} before ${type}`));
    };
    function cleanup(): void {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/**
 * Forks `script` (with `execArgv`, e.g. the guard preload) and waits for its `listening`
 * message. Its stdout is dropped (Portkey draws a spinner there); stderr is kept.
 */
export async function startServerProcess(
  script: string,
  options: { args?: string[]; execArgv?: string[]; env?: Record<string, string> },
): Promise<ServerProcess> {
  const child = fork(script, options.args ?? [], {
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  let listening: ListeningMessage;
  try {
    listening = await nextMessage<ListeningMessage>(child, "listening", 20_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    pid: child.pid ?? 0,
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}`,
    async cpuSeconds() {
      const reply = nextMessage<CpuMessage>(child, "cpu", 5000);
      child.send({ type: "cpu" });
      const usage = await reply;
      return (usage.user + usage.system) / 1e6;
    },
    async setMode(mode) {
      const reply = nextMessage(child, "mode-set", 5000);
      child.send(mode);
      await reply;
    },
    async stop() {
      // Asked to exit (a profiled child writes its profile then); killed if it does not.
      if (child.connected) child.send({ type: "exit" });
      else child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
