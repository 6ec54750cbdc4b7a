/**
 * Child-process entry. argv[2] is a JSON {@link Job}: a `session` serves streaming commands from
 * the parent (throughput and overhead, interleaved across clients); `memory` and `resilience` run
 * once and report over IPC. Every client lives in its own process, so no client shares a heap, a
 * JIT profile or an event loop with another, or with the server.
 */
import { findClient } from "../clients/registry.js";
import { measureMemory } from "../measure/memory.js";
import { measurePaired } from "../measure/paired.js";
import { measureResilience } from "../measure/resilience.js";
import type { ChildMessage, Job } from "./jobs.js";
import { serveSession } from "./session.js";
import { VerificationError } from "./verify.js";

async function runJob(job: Exclude<Job, { kind: "session" }>): Promise<ChildMessage> {
  if (job.kind === "resilience") return { ok: true, result: await measureResilience(job) };
  if (job.kind === "paired") return { ok: true, result: await measurePaired(job) };
  const client = await findClient(job.client).create({ origin: job.origin });
  try {
    return { ok: true, result: await measureMemory(job, client) };
  } finally {
    await client.close();
  }
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as Job;
  if (job.kind === "session") {
    await serveSession(job.client, () => findClient(job.client).create({ origin: job.origin }));
  } else {
    let message: ChildMessage;
    try {
      message = await runJob(job);
    } catch (error) {
      message = {
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        verification: error instanceof VerificationError,
      };
    }
    await send(message);
  }
  process.disconnect?.();
  // Third-party clients may keep sockets or timers alive; the measurement is over.
  process.exit(0);
}

void main();
