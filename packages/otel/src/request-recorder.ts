import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import type {
  AIAdapter,
  DoneChunk,
  Message,
  ResetChunk,
  StreamChunk,
  StreamOptions,
} from "@x/core";
import { inputMessagesJson, OutputRecorder, toolDefinitionsJson } from "./content.js";
import { errorType, isAbort, recordError, safeText } from "./errors.js";
import { globalInstrumentsNow, instrumentsOf } from "./metrics.js";
import type { Settings } from "./options.js";
import {
  addRequestParameters,
  addUsage,
  baseAttributes,
  finishReasonOf,
  OPERATION,
} from "./request-attributes.js";
import {
  currentRequest,
  endOpenAttempts,
  parentContextFor,
  type RequestState,
  requestStore,
} from "./request-state.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_X_OUTCOME,
  ATTR_X_RESET_REASON,
  EVENT_RESET,
} from "./semconv.js";
import type { ServerAddress } from "./server-address.js";

/** What an instrumented adapter records with. */
export interface StreamTarget {
  readonly adapter: AIAdapter;
  readonly settings: Settings;
  readonly server: ServerAddress | undefined;
  /** The chain tracing whose `onEvent` records into this adapter's requests, if any. */
  readonly owner: object | undefined;
  /** For a traced chain: each member's server, by member index. */
  readonly memberServers: readonly (ServerAddress | undefined)[] | undefined;
}

/** How a request ended, as recorded in `x.outcome`. */
type Outcome = "success" | "error" | "aborted" | "cancelled";

/**
 * One `stream()` call's span and metrics. Created at the stream's first `next()` (when the
 * request is issued); ended exactly once, by {@link succeed}, {@link fail} or {@link cancel}.
 */
export class RequestRecorder {
  readonly #target: StreamTarget;
  readonly #span: Span;
  readonly #context: Context;
  /** Whether the span records: attributes and content are worked out only then. */
  readonly #recording: boolean;
  /** What nested code finds through `requestStore`; unset when there is no trace at all. */
  readonly #state: RequestState | undefined;
  readonly #output: OutputRecorder | undefined;
  readonly #startedAt = performance.now();
  #firstChunkAt: number | undefined;
  #ended = false;

  constructor(target: StreamTarget, messages: Message[], options: StreamOptions | undefined) {
    this.#target = target;
    const { adapter, settings } = target;
    const outer = currentRequest();
    const parent = parentContextFor(outer, adapter.provider, adapter.model);
    const span = settings.tracer.startSpan(
      `${OPERATION} ${adapter.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: baseAttributes(adapter.provider, adapter.model, target.server),
      },
      parent,
    );
    this.#span = span;
    this.#context = trace.setSpan(parent, span);
    this.#recording = span.isRecording();
    // A sampled-out span (valid context, not recording) still goes in the store, so spans nested
    // in it inherit its sampling decision instead of starting traces of their own.
    this.#state =
      this.#recording || isSpanContextValid(span.spanContext())
        ? {
            owner: target.owner,
            span,
            context: this.#context,
            parent: outer,
            attempts: [],
            memberServers: target.memberServers,
            ended: false,
          }
        : undefined;
    if (!this.#recording) {
      this.#output = undefined;
      return;
    }
    const parameters: Attributes = {};
    addRequestParameters(parameters, options);
    if (settings.captureContent) {
      parameters[ATTR_GEN_AI_INPUT_MESSAGES] = inputMessagesJson(messages, settings.secrets);
      const tools = options?.tools;
      if (tools !== undefined && tools.length > 0) {
        parameters[ATTR_GEN_AI_TOOL_DEFINITIONS] = toolDefinitionsJson(tools, settings.secrets);
      }
    }
    span.setAttributes(parameters);
    this.#output = settings.captureContent ? new OutputRecorder() : undefined;
  }

  /** The inner stream's `next()`, run with this request's span active (and in its store). */
  pull(iterator: AsyncIterator<StreamChunk>): Promise<IteratorResult<StreamChunk>> {
    return this.#inScope(() => iterator.next());
  }

  /** The inner stream's `return()`, run like {@link pull} (a chain's cleanup events land here). */
  close(iterator: AsyncIterator<StreamChunk>): Promise<unknown> {
    return this.#inScope(() => iterator.return?.() ?? Promise.resolve());
  }

  /** Runs `work` with this request's span active and, for a chain, in its request store. */
  #inScope<T>(work: () => T): T {
    const state = this.#state;
    return context.with(this.#context, () =>
      state === undefined ? work() : requestStore.run(state, work),
    );
  }

  /** Takes in one chunk on its way to the consumer; `done` ends the request successfully. */
  observe(chunk: StreamChunk): void {
    if (this.#firstChunkAt === undefined && chunk.type !== "reset") {
      this.#firstChunkAt = performance.now();
    }
    this.#output?.add(chunk);
    if (chunk.type === "done") this.#succeed(chunk);
    else if (chunk.type === "reset") this.#reset(chunk);
  }

  /** The stream threw `error`: a failure, or (for a caller's cancel) an abort. */
  fail(error: unknown): void {
    if (this.#ended) return;
    if (isAbort(error)) {
      this.#endUnfinished("aborted");
      return;
    }
    const span = this.#span;
    const type = errorType(error);
    if (this.#recording) {
      recordError(span, error, this.#target.settings.secrets);
      this.#recordOutput("error");
      span.setAttributes({
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ["error"],
        [ATTR_X_OUTCOME]: "error",
      });
      this.#setTimeToFirstChunk();
    }
    this.#recordMetrics(undefined, type);
    this.#end("error");
  }

  /** The consumer stopped before the stream ended (`return()` / `break`). */
  cancel(): void {
    if (!this.#ended) this.#endUnfinished("cancelled");
  }

  /** Ended without a `done` chunk and without an error (a contract breach): recorded as is. */
  endWithoutDone(): void {
    if (this.#ended) return;
    this.#recordMetrics(undefined, undefined);
    this.#end("success");
  }

  #succeed(done: DoneChunk): void {
    if (this.#ended) return;
    if (this.#recording) {
      const finishReason = finishReasonOf(done.finishReason);
      const attributes: Attributes = {
        [ATTR_GEN_AI_PROVIDER_NAME]: done.provider,
        [ATTR_GEN_AI_RESPONSE_MODEL]: done.model,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [finishReason],
        [ATTR_X_OUTCOME]: "success",
      };
      addUsage(attributes, done.usage);
      this.#span.setAttributes(attributes);
      this.#setTimeToFirstChunk();
      this.#recordOutput(finishReason);
    }
    this.#recordMetrics(done, undefined);
    this.#end("success");
  }

  #reset(chunk: ResetChunk): void {
    if (!this.#recording) return;
    this.#span.addEvent(EVENT_RESET, {
      [ATTR_X_RESET_REASON]: safeText(chunk.reason, this.#target.settings.secrets),
      [ATTR_GEN_AI_PROVIDER_NAME]: chunk.provider,
    });
  }

  /** Aborted or cancelled: not an error (status stays unset), and no duration is recorded. */
  #endUnfinished(outcome: "aborted" | "cancelled"): void {
    if (this.#recording) {
      this.#span.setAttributes({
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ["error"],
        [ATTR_X_OUTCOME]: outcome,
      });
      this.#setTimeToFirstChunk();
      this.#recordOutput("error");
    }
    this.#recordTimeToFirstChunkOnly();
    this.#end(outcome);
  }

  #setTimeToFirstChunk(): void {
    const seconds = this.#timeToFirstChunk();
    if (seconds !== undefined)
      this.#span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
  }

  #timeToFirstChunk(): number | undefined {
    const at = this.#firstChunkAt;
    return at === undefined ? undefined : (at - this.#startedAt) / 1000;
  }

  #recordOutput(finishReason: string): void {
    const output = this.#output;
    if (output === undefined) return;
    this.#span.setAttribute(
      ATTR_GEN_AI_OUTPUT_MESSAGES,
      output.json(finishReason, this.#target.settings.secrets),
    );
  }

  #metricAttributes(done: DoneChunk | undefined, type: string | undefined): Attributes {
    const { adapter, server } = this.#target;
    const attributes = baseAttributes(done?.provider ?? adapter.provider, adapter.model, server);
    if (done !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = done.model;
    if (type !== undefined) attributes[ATTR_ERROR_TYPE] = type;
    return attributes;
  }

  #recordMetrics(done: DoneChunk | undefined, type: string | undefined): void {
    const settings = this.#target.settings;
    if (!settings.metrics) return;
    const instruments = settings.meter ? instrumentsOf(settings.meter) : globalInstrumentsNow();
    const attributes = this.#metricAttributes(done, type);
    instruments.duration.record((performance.now() - this.#startedAt) / 1000, attributes);
    const firstChunk = this.#timeToFirstChunk();
    if (firstChunk !== undefined) instruments.timeToFirstChunk.record(firstChunk, attributes);
    const usage = done?.usage;
    if (usage?.inputTokens !== undefined) {
      instruments.tokenUsage.record(usage.inputTokens, {
        ...attributes,
        [ATTR_GEN_AI_TOKEN_TYPE]: "input",
      });
    }
    if (usage?.outputTokens !== undefined) {
      instruments.tokenUsage.record(usage.outputTokens, {
        ...attributes,
        [ATTR_GEN_AI_TOKEN_TYPE]: "output",
      });
    }
  }

  /** A cancelled request's first chunk is a real measurement; its duration is not a latency. */
  #recordTimeToFirstChunkOnly(): void {
    const settings = this.#target.settings;
    const firstChunk = this.#timeToFirstChunk();
    if (!settings.metrics || firstChunk === undefined) return;
    const instruments = settings.meter ? instrumentsOf(settings.meter) : globalInstrumentsNow();
    instruments.timeToFirstChunk.record(firstChunk, this.#metricAttributes(undefined, undefined));
  }

  #end(outcome: Outcome): void {
    this.#ended = true;
    const state = this.#state;
    if (state !== undefined) {
      state.ended = true;
      endOpenAttempts(
        state,
        outcome === "aborted" || outcome === "cancelled" ? outcome : "abandoned",
      );
    }
    this.#span.end();
  }
}
