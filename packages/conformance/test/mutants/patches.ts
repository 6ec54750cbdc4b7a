// biome-ignore-all lint/suspicious/noTemplateCurlyInString: mutations are source code with template strings in it
import type { Mutation } from "../reference/generate.js";

/**
 * A broken reference adapter: the scaffold's adapter with one deliberate, plausible bug, and the
 * exact case ids that must fail on it. Each case of the suite (the live ones aside) is the *only*
 * catcher of at least one mutant, so no case can silently stop being able to fail.
 */
export interface Mutant {
  /** Stable id, shown in the catch table. */
  id: string;
  /** The bug, in one line. */
  bug: string;
  /** The code changes that make it (see {@link Mutation}). */
  patches: Mutation[];
  /** Every case that must fail on it, in suite order. */
  caughtBy: string[];
}

export const STREAM = "src/ref-stream.ts";
export const FRAME = "src/map-ref-frame.ts";
export const REQUEST = "src/build-ref-request.ts";
export const ERROR = "src/map-ref-error.ts";
export const ADAPTER = "src/ref-adapter.ts";

export const patch = (file: string, find: string, replace: string): Mutation => ({
  file,
  find,
  replace,
});

/** Makes `@x/core`'s exports available as `core.*` in the stream file. */
export const CORE_IN_STREAM = patch(
  STREAM,
  'import type { StreamChunk, StreamOptions, Timeouts } from "@x/core";',
  'import type { StreamChunk, StreamOptions, Timeouts } from "@x/core";\nimport * as core from "@x/core";',
);

/** Replaces how a non-2xx chat answer becomes an error: `error` is the correct one. */
export function httpMutation(condition: string, wrong: string): Mutation[] {
  return [
    CORE_IN_STREAM,
    patch(
      STREAM,
      "    body = (await postStream(post, context, deadline)).body;",
      `    body = (
      await postStream(post, context, deadline).catch((error: unknown) => {
        if (!core.HttpError.isInstance(error)) throw error;
        const o = { ...input.context, status: error.status, body: error.body };
        if (${condition}) throw ${wrong};
        throw error;
      })
    ).body;`,
    ),
  ];
}

/** Retries the whole stream once (a new request) when `condition` holds for a failure. */
export function retryMutation(condition: string): Mutation[] {
  return [
    patch(
      STREAM,
      "  } catch (error) {\n    throw mapRefError(",
      `  } catch (error) {
    const transport = error instanceof Error && !("retryable" in error);
    const retried = (options as { retried?: boolean } | undefined)?.retried === true;
    if (transport && !retried && deadline.reason === undefined && (${condition})) {
      deadline.dispose();
      body?.destroy();
      yield* refStream(input, messages, { ...options, retried: true } as StreamOptions);
      return;
    }
    throw mapRefError(`,
    ),
  ];
}

/** Decodes reads on their own (splitting multi-byte characters) when `condition` holds. */
export function perReadDecoding(condition: string): Mutation[] {
  return [
    patch(STREAM, "readFrames(body, decoder)", "readEvents(body, decoder, answer)"),
    patch(
      STREAM,
      "function eventDecoder(",
      `async function* readEvents(
  body: ResponseBody,
  decoder: SseDecoder,
  answer: RefAnswer,
): AsyncGenerator<ReturnType<SseDecoder["push"]>, void, undefined> {
  for await (const read of body) {
    const bytes = read as Uint8Array;
    const own = ${condition};
    yield decoder.push(own ? Buffer.from(Buffer.from(bytes).toString("utf8")) : bytes);
  }
  yield decoder.end();
}

function eventDecoder(`,
    ),
  ];
}

/**
 * A timer of its own on body bytes (a quarter of `limit` until the first read, half of it between reads), started at the headers and restarted by
 * the `first` or `every` read, that fails the body when it fires.
 */
export function bodyTimer(
  restart: "first" | "every",
  limit: "firstChunkMs" | "idleMs",
): Mutation[] {
  return [
    patch(
      STREAM,
      "  let body: ResponseBody | undefined;",
      "  let body: ResponseBody | undefined;\n  let byteTimer: ReturnType<typeof setTimeout> | undefined;",
    ),
    patch(
      STREAM,
      "    body = (await postStream(post, context, deadline)).body;",
      `    body = (await postStream(post, context, deadline)).body;
    const byteMs = chat.timeouts.${limit};
    const arm = () => {
      clearTimeout(byteTimer);
      if (byteMs !== undefined && byteMs < 2 ** 31)
        byteTimer = setTimeout(() => body?.destroy(new Error("body timeout")), byteMs / ${restart === "first" ? 4 : 2});
    };
    arm();
    let reads = 0;`,
    ),
    patch(
      STREAM,
      "      const out: StreamChunk[] = [];",
      `      reads++;
      if (${restart === "first" ? "reads === 1" : "true"}) ${restart === "first" ? "clearTimeout(byteTimer)" : "arm()"};
      const out: StreamChunk[] = [];`,
    ),
    patch(
      STREAM,
      "    deadline.dispose();\n",
      "    deadline.dispose();\n    clearTimeout(byteTimer);\n",
    ),
  ];
}

export const YIELD_DONE = "        yield done;\n        return;";

/** The mutants, grouped as the suite's cases are. */
