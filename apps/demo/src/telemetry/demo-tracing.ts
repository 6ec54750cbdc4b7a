import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { AIAdapter } from "@x/core";
import { redact } from "@x/core/http";
import type { FallbackChain, OrchestratorEvent } from "@x/orchestrator";
import { createChainTracing, type InstrumentOptions, instrument } from "@x/otel";
import type { LineWriter, Output } from "../terminal/line-writer.js";
import { createStyle, type Style, wantsColor } from "../terminal/style.js";
import { SpanTreePrinter } from "./span-tree-printer.js";

type Env = Record<string, string | undefined>;
type Listener = (event: OrchestratorEvent) => void;

/** Options of {@link createDemoTracing}. */
export interface DemoTracingOptions {
  /** `--trace`: print each request's spans as a tree, one line per span, through this. */
  print?: (text: string) => void;
  /** Styling of the printed lines. Default plain. */
  style?: Style;
  /**
   * Where to look for `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (either
   * sends spans over OTLP/HTTP), `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER=none` and
   * `OTEL_SERVICE_NAME`. Default `process.env` (the exporter reads its other variables there too).
   */
  env?: Env;
  /** Literal values never to record (the API keys in use), on top of @x/otel's own patterns. */
  secrets?: readonly string[];
  /** Told, once, when an OTLP export fails. Default: a line on stderr. */
  warn?: (text: string) => void;
}

/**
 * `--trace` printing for a command whose answer `out` writes: each tree goes to `to`, styled for
 * it, after `out` has ended its line, so that a trace never lands inside the answer.
 */
export function printTraceBeside(
  out: LineWriter,
  to: Output,
): Required<Pick<DemoTracingOptions, "print" | "style">> {
  return {
    print: (text) => {
      out.endLine();
      to.write(text);
    },
    style: createStyle(wantsColor(to)),
  };
}

/**
 * The demo's OpenTelemetry wiring. Off (every method hands back what it got, nothing recorded)
 * unless `--trace` or an OTLP endpoint asks for spans.
 */
export interface DemoTracing {
  /** True when spans go somewhere. */
  readonly enabled: boolean;
  /** Where spans go, for a start-up line: `one line per span (--trace)`, `OTLP/HTTP (<variable>)`. */
  readonly destinations: readonly string[];
  /** A chain's `onEvent`: the tracing's listener, then `listener`. Just `listener` when off. */
  listener(listener: Listener): Listener;
  listener(listener?: Listener): Listener | undefined;
  /**
   * Wraps a chain built with {@link listener}: one `chat {model}` span per request with a child
   * span per attempt. The result keeps the chain's `members` (each traced alone), so that the
   * gateway can still route a member's model name to that member.
   */
  chain(chain: FallbackChain): AIAdapter;
  /** Wraps a single adapter (no chain): one `chat {model}` span per request. */
  adapter(adapter: AIAdapter): AIAdapter;
  /** Ends the tracing: prints what is pending, sends the last OTLP batch. Idempotent. */
  shutdown(): Promise<void>;
}

/** True when the environment asks for spans over OTLP (and does not turn the SDK off). */
export function otlpRequested(env: Env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim());
  return !exporters.includes("none");
}

/** A teller that says once, redacted, that spans could not be sent; the demo goes on without them. */
function tellOnce(warn: (text: string) => void): (error: unknown) => void {
  let told = false;
  return (error) => {
    if (told) return;
    told = true;
    const reason = redact(error instanceof Error ? error.message : String(error ?? "failed"));
    warn(`x-demo: could not send spans over OTLP (${reason}); later failures are not shown`);
  };
}

/** Passes spans to `inner` and reports a failed export to `tell`. */
class ReportingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #tell: (error: unknown) => void;

  constructor(inner: SpanExporter, tell: (error: unknown) => void) {
    this.#inner = inner;
    this.#tell = tell;
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter["export"]>[1]): void {
    this.#inner.export(spans, (result) => {
      // 0 is ExportResultCode.SUCCESS (@opentelemetry/core, not a dependency of the demo).
      if (result.code !== 0) this.#tell(result.error ?? "export failed");
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

const OFF: DemoTracing = {
  enabled: false,
  destinations: [],
  listener: ((listener?: Listener) => listener) as DemoTracing["listener"],
  chain: (chain) => chain,
  adapter: (adapter) => adapter,
  shutdown: async () => {},
};

/**
 * Sets up tracing for one command: a `BasicTracerProvider` of its own (never registered
 * globally, so nothing else in the process is affected) with a {@link SpanTreePrinter} for
 * `--trace` and a batching OTLP/HTTP exporter when an endpoint is set, and @x/otel's chain
 * tracing on top. Message content is not recorded; API keys never are.
 */
export function createDemoTracing(options: DemoTracingOptions = {}): DemoTracing {
  const env = options.env ?? process.env;
  const processors: SpanProcessor[] = [];
  const destinations: string[] = [];
  if (options.print) {
    processors.push(new SpanTreePrinter(options.print, options.style ?? createStyle(false)));
    destinations.push("one line per span (--trace)");
  }
  const tellExportFailure = tellOnce(
    options.warn ?? ((line: string) => process.stderr.write(`${line}\n`)),
  );
  if (otlpRequested(env)) {
    processors.push(
      new BatchSpanProcessor(new ReportingExporter(new OTLPTraceExporter(), tellExportFailure)),
    );
    destinations.push(
      `OTLP/HTTP (${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"})`,
    );
  }
  if (processors.length === 0) return OFF;
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || "x-demo" }),
    ),
    spanProcessors: processors,
  });
  const settings: InstrumentOptions = {
    tracer: provider.getTracer("@x/otel"),
    // The demo exports no metrics; it sets up no MeterProvider.
    metrics: false,
    secrets: (options.secrets ?? []).filter(Boolean),
  };
  const tracing = createChainTracing(settings);
  let shutdown: Promise<void> | undefined;
  return {
    enabled: true,
    destinations,
    listener: ((listener?: Listener) =>
      listener
        ? (event: OrchestratorEvent) => {
            tracing.onEvent(event);
            listener(event);
          }
        : tracing.onEvent) as DemoTracing["listener"],
    chain: (chain) =>
      Object.assign(tracing.instrument(chain), {
        members: chain.members.map((member) => ({
          ...member,
          adapter: instrument(member.adapter, settings),
        })),
      }),
    adapter: (adapter) => instrument(adapter, settings),
    shutdown: () => {
      // The last batch's failure was already told (or is told now): exiting is not an error.
      shutdown ??= provider.shutdown().catch(tellExportFailure);
      return shutdown;
    },
  };
}
