import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nextMessage } from "../gateway/processes.js";
import type { ReplicaSpec } from "./replica-main.js";

/** The replica child process. */
export interface ReplicaProcess {
  readonly urls: string[];
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./replica-main.ts", import.meta.url));

/** Starts the replicas in a child process (the parent's tsx loader is inherited). */
export async function startReplicas(specs: ReplicaSpec[]): Promise<ReplicaProcess> {
  const child = fork(SCRIPT, [JSON.stringify(specs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { ports } = await nextMessage<{ type: "listening"; ports: number[] }>(
    child,
    "listening",
    20_000,
  );
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
