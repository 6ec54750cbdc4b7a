import type { BenchClient } from "../clients/types.js";
import { modelName, type ResponseSpec } from "../protocol/model-name.js";
import { expectedDigest, TextDigest } from "../protocol/tokens.js";

/** The text a client received differs from what the server sent. */
export class VerificationError extends Error {
  override readonly name = "VerificationError";
}

const expected = new Map<number, TextDigest>();

/** The digest of an `n`-chunk response (cached). */
export function expectedFor(n: number): TextDigest {
  let digest = expected.get(n);
  if (!digest) {
    digest = expectedDigest(n);
    expected.set(n, digest);
  }
  return digest;
}

/** Throws {@link VerificationError} unless `digest` matches the `n`-chunk text. */
export function verify(clientId: string, n: number, digest: TextDigest): void {
  const want = expectedFor(n);
  if (!digest.equals(want)) {
    throw new VerificationError(
      `${clientId}: received text ${digest}, expected ${want} (${n} chunks)`,
    );
  }
}

/** Streams one verified response; returns total and first-chunk times in ms. */
export async function timedRun(
  clientId: string,
  client: BenchClient,
  spec: ResponseSpec,
): Promise<{ totalMs: number; firstMs: number; cpuMs: number }> {
  expectedFor(spec.n);
  const digest = new TextDigest();
  let first = -1;
  const model = modelName(spec);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await client.run(model, (text) => {
    if (first < 0) first = performance.now();
    digest.update(text);
  });
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  verify(clientId, spec.n, digest);
  return { totalMs: end - start, firstMs: first - start, cpuMs: (used.user + used.system) / 1000 };
}
