import { ProtocolError, type ToolCall } from "@x/core";
import { check, checkEqual, contentOf, describeChunks } from "../assert.js";
import type { Scenario } from "../codec.js";
import type { StreamOutcome } from "../observe.js";
import { TOOL_CALLS, TOOL_DEFINITIONS } from "../scenarios.js";
import type { Delivery } from "../server/delivery.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectSuccess, expectThrown, run, serveScenario } from "./helpers.js";

function callsOf(outcome: StreamOutcome): ToolCall[] {
  const out: ToolCall[] = [];
  for (const c of outcome.chunks) if (c.type === "tool_calls") out.push(...c.toolCalls);
  return out;
}

async function expectCalls(
  ctx: CaseContext,
  scenario: Scenario,
  situation: string,
  delivery?: Delivery,
): Promise<StreamOutcome> {
  serveScenario(ctx, scenario, delivery);
  const outcome = await run(ctx.adapter(), { tools: TOOL_DEFINITIONS });
  const done = expectSuccess(outcome, situation);
  const expected = scenario.toolCalls ?? [];
  const calls = callsOf(outcome);
  check(
    calls.length === expected.length,
    `${situation}: expected ${expected.length} tool call(s), each yielded exactly once, got ${calls.length}: ${describeChunks(outcome.chunks)}`,
  );
  const ids = new Set<string>();
  calls.forEach((call, i) => {
    const want = expected[i]!;
    check(
      call.name === want.name,
      `${situation}: call ${i} should be ${JSON.stringify(want.name)}, got ${JSON.stringify(call.name)}`,
    );
    check(
      typeof call.arguments === "object" &&
        call.arguments !== null &&
        !Array.isArray(call.arguments),
      `${situation}: call ${i} (${call.name}) arguments must be a parsed object, got ${typeof call.arguments}: ${JSON.stringify(call.arguments)}`,
    );
    checkEqual(call.arguments, want.arguments, `${situation}: call ${i} (${call.name}) arguments`);
    check(
      typeof call.id === "string" && call.id !== "",
      `${situation}: call ${i} (${call.name}) has no id`,
    );
    check(!ids.has(call.id), `${situation}: tool call id ${JSON.stringify(call.id)} is used twice`);
    ids.add(call.id);
  });
  check(
    done.finishReason === "tool_calls",
    `${situation}: done.finishReason should be "tool_calls", got ${JSON.stringify(done.finishReason)}`,
  );
  return outcome;
}

/** Tool calls: complete, parsed, stable ids, several, in the final frame, invalid JSON. */
export const toolCases: ConformanceCase[] = [
  {
    id: "tools.single",
    title: "one tool call arrives once, complete, with parsed object arguments and an id",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(ctx, { model: ctx.model, toolCalls: [TOOL_CALLS[0]!] }, "one tool call");
    },
  },
  {
    id: "tools.several",
    title: "several tool calls after some text arrive in order with distinct ids",
    needs: ["toolCalls"],
    async run(ctx) {
      const outcome = await expectCalls(
        ctx,
        { model: ctx.model, text: ["Let me check ", "🔧"], toolCalls: TOOL_CALLS },
        "three tool calls",
      );
      checkEqual(contentOf(outcome.chunks), "Let me check 🔧", "content before the tool calls");
    },
  },
  {
    id: "tools.final-frame",
    title: "tool calls carried by the terminal frame are yielded before done",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(
        ctx,
        { model: ctx.model, toolCalls: TOOL_CALLS, toolCallsInFinalFrame: true },
        "tool calls in the final frame",
      );
    },
  },
  {
    id: "tools.recut-bytes",
    title: "tool calls written one byte per write decode identically",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(
        ctx,
        { model: ctx.model, toolCalls: TOOL_CALLS },
        "tool calls, one byte per write",
        { mode: "bytes" },
      );
    },
  },
  {
    id: "tools.stable-ids",
    title: "ids the provider sends are kept across the stream; each call is yielded once",
    needs: ["toolCalls"],
    async run(ctx) {
      const outcome = await expectCalls(
        ctx,
        { model: ctx.model, toolCalls: TOOL_CALLS },
        "stable ids",
        { mode: "random", seed: 7 },
      );
      const calls = callsOf(outcome);
      const stream = ctx.codec.encodeStream({ model: ctx.model, toolCalls: TOOL_CALLS });
      const wire = stream.frames.join("");
      calls.forEach((call, i) => {
        const sent = TOOL_CALLS[i]!.id;
        // Protocols without call ids on the wire (older Ollama) let the adapter synthesise them.
        if (wire.includes(sent)) {
          check(
            call.id === sent,
            `call ${i} (${call.name}): the server sent id ${JSON.stringify(sent)}, the adapter yielded ${JSON.stringify(call.id)}`,
          );
        }
      });
    },
  },
  {
    id: "tools.invalid-arguments",
    title: "tool arguments that are not valid JSON throw ProtocolError",
    needs: ["toolCalls", "invalidToolArguments"],
    async run(ctx) {
      const stream = ctx.codec.encodeInvalidToolArguments!(ctx.model);
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream });
      const outcome = await run(ctx.adapter(), { tools: TOOL_DEFINITIONS });
      expectThrown(ctx, outcome, [ProtocolError], "invalid tool-call JSON", false);
      check(
        !outcome.chunks.some((c) => c.type === "tool_calls"),
        `a tool call with invalid arguments must not be yielded: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
];
