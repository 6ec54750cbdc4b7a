import { type IncompleteToolCall, ProtocolError } from "@x/core";
import { check, checkEqual, describeChunks } from "../assert.js";
import type { Scenario } from "../codec.js";
import { TOOL_CALLS, TOOL_DEFINITIONS, textScenario } from "../scenarios.js";
import type { Delivery } from "../server/delivery.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer } from "./expect-answer.js";
import { expectThrown } from "./expect-error.js";
import { type CaseOutcome, callsOf, run, serveScenario } from "./helpers.js";

/** A scenario with tool calls, reported by the served model with usage and timings. */
function withCalls(extra: Partial<Scenario>): Scenario {
  const { text: _text, ...base } = textScenario();
  return { ...base, toolCalls: TOOL_CALLS, ...extra };
}

/** Asserts every yielded call: name, parsed object arguments, a non-empty id used once. */
function checkCalls(outcome: CaseOutcome, expected: Scenario, situation: string): void {
  const ids = new Set<string>();
  callsOf(outcome.chunks).forEach((call, i) => {
    const want = (expected.toolCalls ?? [])[i]!;
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
}

async function expectCalls(
  ctx: CaseContext,
  scenario: Scenario,
  situation: string,
  delivery?: Delivery,
): Promise<CaseOutcome> {
  serveScenario(ctx, scenario, delivery);
  const outcome = await run(ctx, ctx.adapter(), { options: { tools: TOOL_DEFINITIONS } });
  expectAnswer(ctx, outcome, scenario, situation);
  checkCalls(outcome, scenario, situation);
  return outcome;
}

/** The call the token limit cuts off in `tools.cut-by-length`. */
const CUT: IncompleteToolCall = {
  id: "call_search_2",
  name: "search",
  argumentsText: '{"query": "東京 ra',
};

/** Tool calls: complete, parsed, stable ids, several, in the final frame, invalid, cut off. */
export const toolCases: ConformanceCase[] = [
  {
    id: "tools.single",
    title: "one tool call arrives once, complete, with parsed object arguments and an id",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(ctx, withCalls({ toolCalls: [TOOL_CALLS[0]!] }), "one tool call");
    },
  },
  {
    id: "tools.several",
    title: "several tool calls after some text arrive in order with distinct ids",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(ctx, withCalls({ text: ["Let me check ", "🔧"] }), "three tool calls");
    },
  },
  {
    id: "tools.final-frame",
    title: "tool calls carried by the terminal frame are yielded before done",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(
        ctx,
        withCalls({ toolCallsInFinalFrame: true }),
        "tool calls in the final frame",
      );
    },
  },
  {
    id: "tools.recut-bytes",
    title: "tool calls written one byte per write decode identically",
    needs: ["toolCalls"],
    async run(ctx) {
      await expectCalls(ctx, withCalls({}), "tool calls, one byte per write", { mode: "bytes" });
    },
  },
  {
    id: "tools.stable-ids",
    title: "ids the provider sends are kept across the stream; each call is yielded once",
    needs: ["toolCalls"],
    async run(ctx) {
      const scenario = withCalls({});
      const outcome = await expectCalls(ctx, scenario, "stable ids");
      const wire = ctx.codec.encodeStream(scenario).frames.join("");
      callsOf(outcome.chunks).forEach((call, i) => {
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
    title:
      "tool arguments that are not valid JSON throw ProtocolError (invalid_tool_arguments) naming the tool, and the call is not yielded",
    needs: ["toolCalls", "invalidToolArguments"],
    async run(ctx) {
      const stream = ctx.codec.encodeInvalidToolArguments!(textScenario().model);
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream });
      const outcome = await run(ctx, ctx.adapter(), { options: { tools: TOOL_DEFINITIONS } });
      const error = await expectThrown(ctx, outcome, [ProtocolError], "invalid tool-call JSON", {
        retryable: false,
      });
      check(
        (error as ProtocolError).reason === "invalid_tool_arguments",
        `invalid tool-call JSON: ProtocolError.reason should be "invalid_tool_arguments", got ${JSON.stringify((error as ProtocolError).reason)}`,
      );
      check(
        error.message.includes("get_weather"),
        `invalid tool-call JSON: the message should name the tool ("get_weather"): ${error.message}`,
      );
      check(
        !outcome.chunks.some((c) => c.type === "tool_calls"),
        `a tool call with invalid arguments must not be yielded: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "tools.cut-by-length",
    title:
      'a tool call cut off by the token limit ends the stream normally: finishReason "length", the complete calls yielded, the cut one only in done.incompleteToolCalls',
    needs: ["toolCalls", "cutToolCall"],
    async run(ctx) {
      const scenario = withCalls({
        text: ["Checking… "],
        toolCalls: [TOOL_CALLS[0]!],
        finishReason: "length",
      });
      const stream = ctx.codec.encodeCutToolCall!(scenario, CUT);
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream });
      const outcome = await run(ctx, ctx.adapter(), { options: { tools: TOOL_DEFINITIONS } });
      // Protocols without call ids on the wire let the adapter synthesise one.
      const done = outcome.chunks.find((c) => c.type === "done");
      const reportedId =
        done?.type === "done" && !stream.frames.join("").includes(CUT.id)
          ? (done.incompleteToolCalls?.[0]?.id ?? CUT.id)
          : CUT.id;
      expectAnswer(ctx, outcome, scenario, "tool call cut by the token limit", [
        { ...CUT, id: reportedId },
      ]);
      checkCalls(outcome, scenario, "tool call cut by the token limit");
    },
  },
];
