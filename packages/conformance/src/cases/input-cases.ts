import { InvalidRequestError, type Message, type StreamOptions } from "@x/core";
import { check, describeChunks } from "../assert.js";
import { textScenario } from "../scenarios.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectThrown } from "./expect-error.js";
import { HELLO, run, serveScenario } from "./helpers.js";

/** One bad call: what is passed to `stream()`. */
interface BadInput {
  what: string;
  messages?: unknown;
  options?: unknown;
}

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

/**
 * Each input must fail from the first `next()` with `InvalidRequestError` (not retryable), with
 * nothing thrown by `stream()` itself, nothing yielded and no request sent.
 */
async function expectRejected(ctx: CaseContext, inputs: readonly BadInput[]): Promise<void> {
  serveScenario(ctx, textScenario());
  for (const input of inputs) {
    const situation = input.what;
    const outcome = await run(ctx, ctx.adapter(), {
      messages: (input.messages ?? HELLO) as Message[],
      options: input.options as StreamOptions,
    });
    await expectThrown(ctx, outcome, [InvalidRequestError], situation, {
      retryable: false,
      requests: 0,
    });
    check(
      outcome.chunks.length === 0,
      `${situation}: nothing may be yielded, got ${describeChunks(outcome.chunks)}`,
    );
    check(
      ctx.server.requests.length === 0,
      `${situation}: bad input must be refused before any request; the server received ${ctx.server.requests.map((r) => `${r.method} ${r.path}`).join(", ")}`,
    );
  }
}

/** Bad caller input: refused before anything is sent, from the first `next()`. */
export const inputCases: ConformanceCase[] = [
  {
    id: "input.unserialisable",
    title:
      "options that cannot be serialised (a BigInt, a circular object in providerOptions) throw InvalidRequestError from the first next(), with no request sent",
    needs: [],
    run: (ctx) =>
      expectRejected(ctx, [
        { what: "a BigInt in providerOptions", options: { providerOptions: { big: 10n } } },
        { what: "a circular providerOptions object", options: { providerOptions: circular() } },
      ]),
  },
  {
    id: "input.wrong-types",
    title:
      "messages of the wrong type (not an array; a message whose content is not a string) throw InvalidRequestError from the first next(), with no request sent",
    needs: [],
    run: (ctx) =>
      expectRejected(ctx, [
        { what: "messages is a string, not an array", messages: "Say hello" },
        {
          what: "a message whose content is a number",
          messages: [{ role: "user", content: 42 }],
        },
      ]),
  },
  {
    id: "input.invalid-timeouts",
    title:
      "timeouts of 0, below 0 or NaN (not a limit, not 'no limit') throw InvalidRequestError from the first next(), with no request sent",
    needs: [],
    run: (ctx) =>
      expectRejected(ctx, [
        { what: "timeouts.idleMs = 0", options: { timeouts: { idleMs: 0 } } },
        { what: "timeouts.firstChunkMs = -1", options: { timeouts: { firstChunkMs: -1 } } },
        { what: "timeouts.totalMs = NaN", options: { timeouts: { totalMs: Number.NaN } } },
      ]),
  },
];
