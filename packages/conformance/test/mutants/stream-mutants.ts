// biome-ignore-all lint/suspicious/noTemplateCurlyInString: mutations are source code with template strings in it
import {
  ADAPTER,
  CORE_IN_STREAM,
  FRAME,
  type Mutant,
  patch,
  perReadDecoding,
  STREAM,
  YIELD_DONE,
} from "./patches.js";

/** Broken adapters that the capabilities, stream and tool cases catch. */
export const STREAM_MUTANTS: Mutant[] = [
  {
    id: "advertises-no-tools",
    bug: "adapter.capabilities.tools is false although the adapter handles tools",
    patches: [
      patch(ADAPTER, "  tools: true,\n  thinking: true,", "  tools: false,\n  thinking: true,"),
    ],
    caughtBy: ["capabilities.consistent"],
  },
  // stream
  {
    id: "skips-blank-deltas",
    bug: 'drops whitespace-only content deltas ("\\n\\n", " ")',
    patches: [
      patch(
        FRAME,
        'if (frame.text) out.push({ type: "content", content: frame.text });',
        'if (frame.text?.trim()) out.push({ type: "content", content: frame.text });',
      ),
    ],
    caughtBy: ["stream.text-order"],
  },
  {
    id: "thinking-as-content",
    bug: "yields thinking deltas as content",
    patches: [
      patch(
        FRAME,
        'if (frame.text) out.push({ type: "thinking", thinking: frame.text });',
        'if (frame.text) out.push({ type: "content", content: frame.text });',
      ),
    ],
    caughtBy: ["stream.thinking-order"],
  },
  {
    id: "length-as-stop",
    bug: 'reports a text answer cut by the token limit as "stop"',
    patches: [
      patch(
        FRAME,
        'const finishReason = FINISH_REASONS[reason] ?? "other";',
        'const finishReason =\n    reason === "length" && answer.open.size === 0 ? "stop" : (FINISH_REASONS[reason] ?? "other");',
      ),
    ],
    caughtBy: ["stream.finish-reason"],
  },
  {
    id: "unknown-content-filter",
    bug: 'maps content_filter to "other"',
    patches: [patch(FRAME, '  content_filter: "content_filter",\n', "")],
    caughtBy: ["stream.finish-reasons"],
  },
  {
    id: "usage-needs-timings",
    bug: "reads usage only from a terminal frame that also has timings",
    patches: [patch(FRAME, "  if (usage) {", "  if (usage && frame.timings) {")],
    caughtBy: ["stream.usage"],
  },
  {
    id: "rounds-generation-time",
    bug: "rounds the generation time to whole milliseconds before computing tokensPerSec",
    patches: [
      patch(
        FRAME,
        "output / (timings.generationMs / 1000)",
        "output / (Math.round(timings.generationMs) / 1000)",
      ),
    ],
    caughtBy: ["stream.tokens-per-sec"],
  },
  {
    id: "timings-need-usage",
    bug: "reports server timings only when usage came too",
    patches: [patch(FRAME, "  if (timings) {", "  if (timings && usage) {")],
    caughtBy: ["stream.timings"],
  },
  {
    id: "splits-text-on-one-byte-reads",
    bug: "decodes one-byte reads on their own once text has started (splits multi-byte characters)",
    patches: perReadDecoding('bytes.length === 1 && answer.partial().content !== ""'),
    caughtBy: ["stream.recut-bytes"],
  },
  {
    id: "splits-text-on-short-reads",
    bug: "decodes reads of 2 to 7 bytes on their own once text has started",
    patches: perReadDecoding(
      'bytes.length >= 2 && bytes.length <= 7 && answer.partial().content !== ""',
    ),
    caughtBy: ["stream.recut-random"],
  },
  {
    id: "idle-as-a-budget",
    bug: "adds up every wait for a chunk against idleMs instead of restarting it per chunk",
    patches: [
      CORE_IN_STREAM,
      patch(
        STREAM,
        "  let body: ResponseBody | undefined;",
        "  let body: ResponseBody | undefined;\n  let waited = 0;\n  let waitStart: number | undefined;",
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.chunk();\n",
        `      if (out.length > 0 && waitStart !== undefined) {
        waited += performance.now() - waitStart;
        const idleMs = chat.timeouts.idleMs;
        if (idleMs !== undefined && waited > idleMs)
          throw new core.StreamTimeoutError("idle", { ...context, partial: answer.partial(), timeoutMs: idleMs, phase: "idle" });
      }
      if (out.length > 0) deadline.chunk();
`,
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.resume();\n",
        "      if (out.length > 0) deadline.resume();\n      if (out.length > 0) waitStart = performance.now();\n",
      ),
    ],
    caughtBy: ["stream.slow-drip"],
  },
  {
    id: "idle-from-first-chunk",
    bug: "runs its own idle limit from the first chunk and never restarts it",
    patches: [
      patch(
        STREAM,
        "  let body: ResponseBody | undefined;",
        "  let body: ResponseBody | undefined;\n  let idleTimer: ReturnType<typeof setTimeout> | undefined;",
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.chunk();\n",
        `      if (out.length > 0) deadline.chunk();
      const idleMs = chat.timeouts.idleMs;
      if (out.length > 0 && idleTimer === undefined && idleMs !== undefined && idleMs < 2 ** 31)
        idleTimer = setTimeout(() => body?.destroy(new Error("idle")), idleMs * 1.05);
`,
      ),
      patch(
        STREAM,
        "    deadline.dispose();\n",
        "    deadline.dispose();\n    clearTimeout(idleTimer);\n",
      ),
    ],
    caughtBy: ["stream.slow-drip", "timeout.idle-consumer-hold"],
  },
  {
    id: "closes-pool-after-stream",
    bug: "closes its connection pool when a stream ends, so a second stream fails",
    patches: [
      patch(
        STREAM,
        "    if (body !== undefined && !body.destroyed) body.destroy();",
        "    if (body !== undefined && !body.destroyed) body.destroy();\n    void input.dispatcher.close().catch(() => undefined);",
      ),
    ],
    caughtBy: ["stream.sequential"],
  },
  {
    id: "yields-empty-deltas",
    bug: "yields empty content deltas (without counting them as chunks)",
    patches: [
      patch(
        FRAME,
        'if (frame.text) out.push({ type: "content", content: frame.text });',
        'if (frame.text !== undefined) out.push({ type: "content", content: frame.text });',
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.chunk();\n",
        '      const counted = out.some((c) => c.type !== "content" || c.content !== "");\n      if (counted) deadline.chunk();\n',
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.resume();\n",
        "      if (counted) deadline.resume();\n",
      ),
    ],
    caughtBy: ["stream.keep-alive"],
  },
  {
    id: "drains-after-done",
    bug: "reads the rest of the body after the terminal frame (hangs while the server keeps it open)",
    patches: [
      patch(
        STREAM,
        YIELD_DONE,
        "        yield done;\n        for await (const _ of body) void _;\n        return;",
      ),
    ],
    caughtBy: ["stream.after-terminal"],
  },
  {
    id: "reads-ahead",
    bug: "reads the body ahead of its consumer into a queue (no back-pressure)",
    patches: [
      patch(STREAM, "readFrames(body, decoder)", "readAhead(body, decoder)"),
      patch(
        STREAM,
        "function eventDecoder(",
        `async function* readAhead(body: ResponseBody, decoder: SseDecoder) {
  const queue: ReturnType<SseDecoder["push"]>[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: unknown;
  void (async () => {
    try {
      for await (const bytes of body) {
        queue.push(decoder.push(bytes as Uint8Array));
        wake?.();
      }
      queue.push(decoder.end());
    } catch (error) {
      failure = error;
    }
    ended = true;
    wake?.();
  })();
  for (;;) {
    const next = queue.shift();
    if (next) yield next;
    else if (failure !== undefined) throw failure;
    else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

function eventDecoder(`,
      ),
    ],
    caughtBy: ["stream.back-pressure"],
  },
  // tools
  {
    id: "drops-lone-tool-call",
    bug: "drops the tool call of an answer that makes exactly one",
    patches: [
      patch(
        FRAME,
        "  if (calls.length > 0) out.push(",
        "  if (calls.length > 0 && calls.length + incomplete.length > 1) out.push(",
      ),
    ],
    caughtBy: ["tools.single"],
  },
  {
    id: "first-call-after-text",
    bug: "keeps only the first of several tool calls that follow text",
    patches: [
      patch(
        FRAME,
        "  answer.open.clear();\n",
        '  answer.open.clear();\n  if (calls.length > 1 && answer.partial(out).content !== "") calls.length = 1;\n',
      ),
    ],
    caughtBy: ["tools.several"],
  },
  {
    id: "ignores-final-frame-calls",
    bug: "ignores tool calls carried by the terminal frame",
    patches: [
      patch(
        FRAME,
        "  for (const call of frame.tool_calls ?? []) addFragment({ ...call, index: undefined }, answer);\n",
        "",
      ),
    ],
    caughtBy: ["tools.final-frame"],
  },
  {
    id: "splits-tool-calls-on-one-byte-reads",
    bug: "decodes one-byte reads on their own while a tool call is open",
    patches: perReadDecoding("bytes.length === 1 && answer.open.size > 0"),
    caughtBy: ["tools.recut-bytes"],
  },
  {
    id: "renumbers-call-ids",
    bug: "replaces the ids the server sent with its own",
    patches: [
      patch(
        FRAME,
        "calls.push({ id: open.id, name: open.name, arguments: args });",
        "calls.push({ id: `call_${calls.length}`, name: open.name, arguments: args });",
      ),
    ],
    caughtBy: ["tools.stable-ids"],
  },
  {
    id: "invalid-arguments-as-empty",
    bug: "yields a tool call whose arguments are not JSON with {} instead of throwing",
    patches: [
      patch(
        FRAME,
        '      if (finishReason !== "length") throw error;',
        '      if (finishReason !== "length") {\n        calls.push({ id: open.id, name: open.name, arguments: {} });\n        continue;\n      }',
      ),
    ],
    caughtBy: ["tools.invalid-arguments"],
  },
  {
    id: "throws-on-cut-tool-call",
    bug: "throws ProtocolError for a tool call the token limit cut off",
    patches: [
      patch(FRAME, '      if (finishReason !== "length") throw error;', "      throw error;"),
    ],
    caughtBy: ["tools.cut-by-length"],
  },
];
