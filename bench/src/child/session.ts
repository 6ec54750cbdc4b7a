import type { BenchClient } from "../clients/types.js";
import type { SessionCommand, SessionReply } from "./jobs.js";
import { timedRun, VerificationError } from "./verify.js";

function send(message: SessionReply): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

function failure(error: unknown): SessionReply {
  return {
    ok: false,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    verification: error instanceof VerificationError,
  };
}

/**
 * Serves {@link SessionCommand}s from the parent until `close`: each `run` streams `count`
 * verified responses sequentially and answers with their times. One command at a time.
 */
export async function serveSession(
  clientId: string,
  create: () => Promise<BenchClient>,
): Promise<void> {
  let client: BenchClient;
  try {
    client = await create();
  } catch (error) {
    await send(failure(error));
    return;
  }
  await send({ ok: true, totalMs: [], firstMs: [], cpuMs: [] });
  await new Promise<void>((resolve) => {
    let queue = Promise.resolve();
    const onMessage = (command: SessionCommand): void => {
      queue = queue.then(async () => {
        if (command.cmd === "close") {
          process.off("message", onMessage);
          await client.close().catch(() => {});
          resolve();
          return;
        }
        const totalMs: number[] = [];
        const firstMs: number[] = [];
        const cpuMs: number[] = [];
        try {
          for (let i = 0; i < command.count; i++) {
            const time = await timedRun(clientId, client, { n: command.n, mode: command.mode });
            totalMs.push(time.totalMs);
            firstMs.push(time.firstMs);
            cpuMs.push(time.cpuMs);
          }
          await send({ ok: true, totalMs, firstMs, cpuMs });
        } catch (error) {
          await send(failure(error));
        }
      });
    };
    process.on("message", onMessage);
    process.once("disconnect", () => resolve());
  });
}
