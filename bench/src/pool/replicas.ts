import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReplicaSpec } from "./replica-main.js";

/** The replica child process. */
export interface ReplicaProcess {
  readonly urls: string[];
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./replica-main.ts", import.meta.url));

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`replicas exited with ${code}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Starts the replicas in a child process (the parent's tsx loader is inherited). */
export async function startReplicas(specs: ReplicaSpec[]): Promise<ReplicaProcess> {
  const child = fork(SCRIPT, [JSON.stringify(specs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { ports } = await next<{ ports: number[] }>(child, "listening");
  return {
    urls: ports.map((port) => `http://127.0.0.1:${port}/v1`),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ type: "stop" });
      await exited;
    },
  };
}
