import { type AttributeValue, type HrTime, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Style } from "../terminal/style.js";

/** Marks every line {@link SpanTreePrinter} prints, so trace lines stand apart from the rest. */
const TRACE_PREFIX = "[trace]";

function ms(time: HrTime): number {
  return time[0] * 1e3 + time[1] / 1e6;
}

function formatMs(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function text(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** Span events shown by their short name: `x.chain.fallback` → `fallback`. */
function shortEventName(name: string): string {
  return name.replace(/^x\.chain\./, "").replace(/^x\./, "");
}

/**
 * One span as one line: name, duration, then the attributes worth reading in a terminal
 * (who served, server, outcome, error and stage, finish reason, tokens, time to first chunk,
 * attempts, span events).
 */
function formatSpan(span: ReadableSpan, depth: number, style: Style): string {
  const a = span.attributes;
  const parts = [`${"  ".repeat(depth)}${span.name}`, formatMs(ms(span.duration))];
  const provider = text(a["gen_ai.provider.name"]);
  const model = text(a["gen_ai.response.model"] ?? a["gen_ai.request.model"]);
  if (provider) parts.push(model ? `${provider}/${model}` : provider);
  const address = text(a["server.address"]);
  if (address)
    parts.push(`@${address}${a["server.port"] !== undefined ? `:${a["server.port"]}` : ""}`);
  const error = text(a["error.type"]);
  const outcome = text(a["x.outcome"]);
  if (error) {
    const stage = text(a["x.chain.stage"]);
    parts.push(style.red(`error=${error}${stage ? ` at ${stage}` : ""}`));
  } else if (span.status.code === SpanStatusCode.ERROR) {
    parts.push(style.red(outcome ?? "error"));
  } else if (outcome) {
    parts.push(outcome);
  }
  const finish = text(a["gen_ai.response.finish_reasons"]);
  if (finish) parts.push(`finish=${finish}`);
  const input = a["gen_ai.usage.input_tokens"];
  const output = a["gen_ai.usage.output_tokens"];
  if (input !== undefined || output !== undefined)
    parts.push(`tokens=${input ?? "?"}/${output ?? "?"}`);
  const firstChunk = a["gen_ai.response.time_to_first_chunk"];
  if (typeof firstChunk === "number") parts.push(`ttfc=${formatMs(firstChunk * 1000)}`);
  if (a["x.chain.attempts"] !== undefined) parts.push(`attempts=${a["x.chain.attempts"]}`);
  if (a["x.chain.hedged"] === true) parts.push("hedged");
  const events = span.events.map((e) => e.name).filter((name) => name !== "exception");
  if (events.length > 0) parts.push(`events=${events.map(shortEventName).join(",")}`);
  return style.dim(`${TRACE_PREFIX} ${parts.join("  ")}`);
}

/** The spans of one trace as an indented tree, children under their parent in start order. */
function formatSpanTree(spans: readonly ReadableSpan[], style: Style): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    // A span whose parent is not among these (ended after its trace was printed) is a root here.
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    const list = children.get(key) ?? [];
    list.push(span);
    children.set(key, list);
  }
  const lines: string[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    const list = (children.get(parent) ?? []).sort(
      (x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1],
    );
    for (const span of list) {
      lines.push(formatSpan(span, depth, style));
      visit(span.spanContext().spanId, depth + 1);
    }
  };
  visit(undefined, 0);
  return `${lines.join("\n")}\n`;
}

/**
 * A span processor for `--trace`: keeps each trace's ended spans until its root span ends (a
 * request's attempts end before the request), then prints the whole trace as a tree, one line per
 * span, through `print`. A terminal chat stays readable: one block per answer, not a JSON dump
 * per span. Spans still waiting when the provider flushes or shuts down are printed then.
 */
export class SpanTreePrinter implements SpanProcessor {
  readonly #print: (text: string) => void;
  readonly #style: Style;
  /** Ended spans by trace id, waiting for their root. */
  readonly #pending = new Map<string, ReadableSpan[]>();

  constructor(print: (text: string) => void, style: Style) {
    this.#print = print;
    this.#style = style;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const spans = this.#pending.get(traceId) ?? [];
    spans.push(span);
    if (span.parentSpanContext !== undefined) {
      this.#pending.set(traceId, spans);
      return;
    }
    this.#pending.delete(traceId);
    this.#print(formatSpanTree(spans, this.#style));
  }

  async forceFlush(): Promise<void> {
    for (const spans of this.#pending.values()) this.#print(formatSpanTree(spans, this.#style));
    this.#pending.clear();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}
