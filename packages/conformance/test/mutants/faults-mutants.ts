// biome-ignore-all lint/suspicious/noTemplateCurlyInString: mutations are source code with template strings in it
import {
  bodyTimer,
  CORE_IN_STREAM,
  ERROR,
  FRAME,
  httpMutation,
  type Mutant,
  patch,
  REQUEST,
  retryMutation,
  STREAM,
  YIELD_DONE,
} from "./patches.js";

/** Broken adapters that the fault, timeout, HTTP error and abort cases catch. */
export const FAULT_MUTANTS: Mutant[] = [
  // faults
  {
    id: "refused-as-protocol-error",
    bug: "reports a refused connection as a ProtocolError",
    patches: [
      patch(
        STREAM,
        "throw mapRefError(error, deadline, context, body !== undefined, answer.partial());",
        'throw mapRefError(\n      error,\n      deadline,\n      context,\n      body !== undefined || (error as { code?: string }).code === "ECONNREFUSED",\n      answer.partial(),\n    );',
      ),
    ],
    caughtBy: ["fault.refused"],
  },
  {
    id: "retries-failed-request",
    bug: "retries once, silently, a request that failed before its response",
    patches: retryMutation("body === undefined"),
    caughtBy: ["fault.reset-before-response"],
  },
  {
    id: "splices-after-reset",
    bug: "after a reset mid-answer, requests again and continues (splices two answers)",
    patches: retryMutation('body !== undefined && answer.partial().content !== ""'),
    caughtBy: ["fault.reset-mid-body"],
  },
  {
    id: "retries-broken-body",
    bug: "retries once a request whose body broke before any output",
    patches: retryMutation('body !== undefined && answer.partial().content === ""'),
    caughtBy: ["fault.reset-after-bytes"],
  },
  {
    id: "accepts-truncation",
    bug: "ends a stream without its terminal frame as if it were complete",
    patches: [
      patch(
        STREAM,
        "    throw new RefProtocolError(\n      `${context.provider}: the stream ended without a done frame (truncated)`,",
        '    yield { type: "done", finishReason: "stop", model: context.model, provider: context.provider };\n    return;\n    throw new RefProtocolError(\n      `${context.provider}: the stream ended without a done frame (truncated)`,',
      ),
    ],
    caughtBy: ["fault.truncated"],
  },
  {
    id: "skips-malformed-frames",
    bug: "skips a frame that is not JSON (as several popular clients do)",
    patches: [
      patch(
        FRAME,
        '    throw malformed("an event is not JSON", data, answer, context, out, cause);',
        '    void cause;\n    return { type: "text", text: "" };',
      ),
    ],
    caughtBy: ["fault.malformed-frame"],
  },
  {
    id: "no-frame-limit",
    bug: "decodes frames of any size",
    patches: [patch(STREAM, "maxFrameSize: input.maxFrameSize,", "maxFrameSize: 2 ** 40,")],
    caughtBy: ["fault.oversize-frame"],
  },
  {
    id: "drops-error-code",
    bug: "drops the code of an in-stream error",
    patches: [patch(FRAME, "providerCode: frame.error?.code,", "providerCode: undefined,")],
    caughtBy: ["fault.in-stream-error"],
  },
  // timeouts
  {
    id: "first-chunk-before-headers-as-idle",
    bug: "reports a first-chunk timeout before any response header as a StreamTimeoutError",
    patches: [
      patch(
        ERROR,
        "  if (deadline.reason !== undefined) return deadline.error(options);",
        '  if (deadline.reason === "first-chunk" && !afterHeaders)\n    return new StreamTimeoutError("stalled", { ...options, timeoutMs: 0, phase: "idle" });\n  if (deadline.reason !== undefined) return deadline.error(options);',
      ),
      patch(
        ERROR,
        'type PartialOutput } from "@x/core";',
        'type PartialOutput, StreamTimeoutError } from "@x/core";',
      ),
    ],
    caughtBy: ["timeout.first-chunk"],
  },
  {
    id: "first-byte-timer",
    bug: "runs its own first-byte timer (a quarter of firstChunkMs) from the headers, as undici's bodyTimeout would",
    patches: bodyTimer("first", "firstChunkMs"),
    caughtBy: ["timeout.first-chunk-after-headers"],
  },
  {
    id: "keep-alive-is-first-chunk",
    bug: "counts an empty frame before the first chunk as the first chunk",
    patches: [
      patch(
        STREAM,
        "      const now = performance.now();",
        `      for (const event of events)
        if (event.data === '{"type":"text","text":""}' && answer.partial().content === "") deadline.chunk();
      const now = performance.now();`,
      ),
    ],
    caughtBy: ["timeout.first-chunk-keep-alive"],
  },
  {
    id: "idle-byte-timer",
    bug: "runs its own idle timer (half of idleMs) that any body byte restarts, keep-alives included",
    patches: bodyTimer("every", "idleMs"),
    caughtBy: ["timeout.idle-mid-stream", "timeout.idle-consumer-hold"],
  },
  {
    id: "keep-alive-resets-idle",
    bug: "lets an empty frame after the first chunk restart idleMs",
    patches: [
      patch(
        STREAM,
        "      const now = performance.now();",
        `      for (const event of events)
        if (event.data === '{"type":"text","text":""}' && answer.partial().content !== "") deadline.chunk();
      const now = performance.now();`,
      ),
    ],
    caughtBy: ["timeout.idle-keep-alive"],
  },
  {
    id: "idle-checked-on-frames",
    bug: "checks idleMs only when a frame arrives, so a server that falls completely silent is never caught",
    patches: [
      CORE_IN_STREAM,
      patch(
        STREAM,
        "  let body: ResponseBody | undefined;",
        "  let body: ResponseBody | undefined;\n  let waitingSince: number | undefined;",
      ),
      patch(
        STREAM,
        "      const out: StreamChunk[] = [];",
        `      const out: StreamChunk[] = [];
      const idleMs = chat.timeouts.idleMs;
      if (events.length > 0 && waitingSince !== undefined && idleMs !== undefined && performance.now() - waitingSince > idleMs)
        throw new core.StreamTimeoutError("idle", { ...context, partial: answer.partial(), timeoutMs: idleMs, phase: "idle" });`,
      ),
      patch(
        STREAM,
        "      if (out.length > 0) deadline.resume();",
        "      if (out.length > 0) waitingSince = performance.now();",
      ),
    ],
    caughtBy: ["timeout.idle-mid-stream"],
  },
  {
    id: "idle-counts-consumer-hold",
    bug: "restarts the idle clock before handing out a chunk, so the time the consumer holds it counts as the server's silence",
    patches: [
      patch(
        STREAM,
        "      if (out.length > 0) deadline.chunk();\n",
        "      if (out.length > 0) deadline.chunk();\n      if (out.length > 0) deadline.resume();\n",
      ),
    ],
    caughtBy: ["timeout.idle-consumer-hold"],
  },
  {
    id: "ignores-total",
    bug: "ignores totalMs",
    patches: [
      patch(
        STREAM,
        "new StreamDeadline(chat.timeouts, options?.signal)",
        "new StreamDeadline({ ...chat.timeouts, totalMs: undefined }, options?.signal)",
      ),
    ],
    caughtBy: ["timeout.total"],
  },
  {
    id: "huge-limit-invalid",
    bug: "refuses limits above 2³¹−1 ms as invalid instead of reading them as no limit",
    patches: [
      patch(
        REQUEST,
        "  const o: StreamOptions = input.options;",
        '  const o: StreamOptions = input.options;\n  if (Object.values(o.timeouts ?? {}).some((ms) => ms > 2 ** 31 - 1))\n    throw invalidRequest("timeouts too large", context);',
      ),
    ],
    caughtBy: ["timeout.no-limit"],
  },
  // HTTP errors
  {
    id: "400-retryable",
    bug: "maps 400 to a retryable ServerError",
    patches: httpMutation(
      "core.InvalidRequestError.isInstance(error)",
      "new core.ServerError(error.message, o)",
    ),
    caughtBy: ["http.400"],
  },
  {
    id: "401-as-server-error",
    bug: "maps 401 to ServerError",
    patches: httpMutation("error.status === 401", "new core.ServerError(error.message, o)"),
    caughtBy: ["http.401"],
  },
  {
    id: "403-as-not-found",
    bug: "maps 403 to ModelNotFoundError",
    patches: httpMutation("error.status === 403", "new core.ModelNotFoundError(error.message, o)"),
    caughtBy: ["http.403"],
  },
  {
    id: "404-as-invalid",
    bug: "maps 404 to InvalidRequestError",
    patches: httpMutation("error.status === 404", "new core.InvalidRequestError(error.message, o)"),
    caughtBy: ["http.404"],
  },
  {
    id: "ignores-retry-after",
    bug: "drops Retry-After from a 429",
    patches: httpMutation("error.status === 429", "new core.RateLimitError(error.message, o)"),
    caughtBy: ["http.429"],
  },
  {
    id: "500-not-retryable",
    bug: "maps 500 to a plain, non-retryable HttpError",
    patches: httpMutation(
      "error.status === 500",
      "new core.HttpError(error.message, { ...o, retryable: false })",
    ),
    caughtBy: ["http.500"],
  },
  {
    id: "503-not-retryable",
    bug: "maps 503 to a plain, non-retryable HttpError",
    patches: httpMutation(
      "error.status === 503",
      "new core.HttpError(error.message, { ...o, retryable: false })",
    ),
    caughtBy: ["http.503"],
  },
  {
    id: "context-length-as-invalid",
    bug: "maps a context-length 400 to InvalidRequestError",
    patches: httpMutation(
      "core.ContextLengthError.isInstance(error)",
      "new core.InvalidRequestError(error.message, o)",
    ),
    caughtBy: ["http.context-length"],
  },
  // aborts
  {
    id: "loses-abort-reason",
    bug: "drops the signal's reason from AbortedError",
    patches: [
      patch(
        STREAM,
        "    if (deadline.reason !== undefined) throw deadline.error(context);",
        '    if (deadline.reason !== undefined) throw deadline.error({ ...context, cause: new Error("aborted") });',
      ),
    ],
    caughtBy: ["abort.before-start"],
  },
  {
    id: "abort-ignored-before-headers",
    bug: "does not cancel the request on the caller's abort until headers arrive",
    patches: [
      patch(
        STREAM,
        "    body = (await postStream(post, context, deadline)).body;",
        `    const limits = new AbortController();
    deadline.signal.addEventListener("abort", () => {
      if (deadline.reason !== "aborted") limits.abort();
    });
    body = (await postStream({ ...post, signal: limits.signal }, context, deadline)).body;`,
      ),
    ],
    caughtBy: ["abort.first-byte-wait"],
  },
  {
    id: "abort-without-partial",
    bug: "drops the partial output from AbortedError",
    patches: [
      patch(
        ERROR,
        "  if (deadline.reason !== undefined) return deadline.error(options);",
        '  if (deadline.reason !== undefined)\n    return deadline.error(deadline.reason === "aborted" ? { ...options, partial: undefined } : options);',
      ),
      patch(
        STREAM,
        "        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));\n        answer.add(chunk, now);",
        '        if (deadline.reason !== undefined)\n          throw deadline.error(deadline.reason === "aborted" ? context : errorOptions(answer, context));\n        answer.add(chunk, now);',
      ),
      patch(
        STREAM,
        "        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));\n        yield done;",
        '        if (deadline.reason !== undefined)\n          throw deadline.error(deadline.reason === "aborted" ? context : errorOptions(answer, context));\n        yield done;',
      ),
    ],
    caughtBy: ["abort.mid-stream"],
  },
  {
    id: "break-keeps-socket",
    bug: "reads the body with a bare iterator and destroys it only after done or an error, so break leaves the socket open",
    patches: [
      patch(
        STREAM,
        "  let body: ResponseBody | undefined;",
        "  let body: ResponseBody | undefined;\n  let settled = false;",
      ),
      patch(
        STREAM,
        "  } catch (error) {\n    throw mapRefError(",
        "  } catch (error) {\n    settled = true;\n    throw mapRefError(",
      ),
      patch(
        STREAM,
        "    if (body !== undefined && !body.destroyed) body.destroy();",
        "    if (body !== undefined && !body.destroyed && settled) body.destroy();",
      ),
      patch(STREAM, YIELD_DONE, "        settled = true;\n        yield done;\n        return;"),
      patch(STREAM, "readFrames(body, decoder)", "bareFrames(body, decoder)"),
      patch(
        STREAM,
        "function eventDecoder(",
        `async function* bareFrames(body: ResponseBody, decoder: SseDecoder) {
  const reads = body[Symbol.asyncIterator]();
  for (let read = await reads.next(); !read.done; read = await reads.next())
    yield decoder.push(read.value as Uint8Array);
  yield decoder.end();
}

function eventDecoder(`,
      ),
    ],
    caughtBy: ["abort.break"],
  },
];
