import { type Attributes, context, type Span, SpanKind, trace } from "@opentelemetry/api";
import type { AIAdapter, HealthCheckOptions, ListModelsOptions } from "@x/core";
import { recordError } from "./errors.js";
import { isObserved } from "./observed.js";
import { type InstrumentOptions, type Settings, settingsOf } from "./options.js";
import type { StreamTarget } from "./request-recorder.js";
import { ATTR_GEN_AI_PROVIDER_NAME, ATTR_X_HEALTH_OK } from "./semconv.js";
import { addServerAttributes, type ServerAddress, serverAddressOf } from "./server-address.js";
import { tracedStream } from "./traced-stream.js";

/**
 * Wraps `adapter` (any `AIAdapter`: ours, a third party's, a chain or a pool) so that each
 * `stream()` call records one span `chat {model}` (kind CLIENT) with the GenAI semantic
 * conventions' attributes, and the GenAI client metrics. `healthCheck()`, `listModels()` and
 * `close()` pass through (see {@link InstrumentOptions.traceHealthAndModels}).
 *
 * With no OpenTelemetry SDK registered, spans are the API's no-op spans and the cost per request is
 * a few allocations. Message content is recorded only with `captureContent: true`; credentials
 * never are.
 *
 * @example
 * const adapter = instrument(new OllamaAdapter({ baseUrl, model: "llama3.2" }));
 * for await (const chunk of adapter.stream([{ role: "user", content: "Hi" }])) { ... }
 */
export function instrument(adapter: AIAdapter, options: InstrumentOptions = {}): AIAdapter {
  return instrumentWith(adapter, settingsOf(options), undefined);
}

/** Each chain member's server address, when `chain` exposes `members` (our chains do). */
function memberServersOf(chain: object): (ServerAddress | undefined)[] | undefined {
  const members: unknown = (chain as { members?: unknown }).members;
  if (!Array.isArray(members)) return undefined;
  return members.map((member: unknown) => {
    const adapter: unknown = (member as { adapter?: unknown } | null)?.adapter;
    return typeof adapter === "object" && adapter !== null ? serverAddressOf(adapter) : undefined;
  });
}

/** {@link instrument} with settings applied; `owner`: the chain tracing recording into it. */
export function instrumentWith(
  adapter: AIAdapter,
  settings: Settings,
  owner: object | undefined,
): AIAdapter {
  const server = serverAddressOf(adapter);
  const target: StreamTarget = {
    adapter,
    settings,
    server,
    owner,
    memberServers: owner === undefined ? undefined : memberServersOf(adapter),
  };
  const baseUrl: unknown = (adapter as { baseUrl?: unknown }).baseUrl;
  const traced = settings.traceHealthAndModels;
  return {
    provider: adapter.provider,
    model: adapter.model,
    capabilities: adapter.capabilities,
    // Kept so that a chain of instrumented members still knows where each one runs.
    ...(typeof baseUrl === "string" ? { baseUrl } : {}),
    stream: (messages, options) => ({
      // Decided when iteration starts, so an SDK registered later is used from then on.
      [Symbol.asyncIterator]: () =>
        isObserved(settings)
          ? tracedStream(target, messages, options)
          : adapter.stream(messages, options)[Symbol.asyncIterator](),
    }),
    healthCheck: traced
      ? (options) => tracedHealthCheck(target, options)
      : (options) => adapter.healthCheck(options),
    listModels: traced
      ? (options) => tracedListModels(target, options)
      : (options) => adapter.listModels(options),
    ...(typeof adapter.close === "function" ? { close: () => adapter.close!() } : {}),
  };
}

function startAuxiliarySpan(target: StreamTarget, operation: string): Span {
  const { adapter, settings, server } = target;
  // Not a GenAI operation: no `gen_ai.operation.name`, so backends do not count it as a chat.
  const attributes: Attributes = { [ATTR_GEN_AI_PROVIDER_NAME]: adapter.provider };
  addServerAttributes(attributes, server);
  return settings.tracer.startSpan(`${operation} ${adapter.provider}`, {
    kind: SpanKind.CLIENT,
    attributes,
  });
}

async function tracedHealthCheck(
  target: StreamTarget,
  options: HealthCheckOptions | undefined,
): Promise<boolean> {
  const span = startAuxiliarySpan(target, "health_check");
  try {
    const ok = await context.with(trace.setSpan(context.active(), span), () =>
      target.adapter.healthCheck(options),
    );
    span.setAttribute(ATTR_X_HEALTH_OK, ok);
    return ok;
  } catch (error) {
    // healthCheck() must not reject; a third-party adapter's that does is recorded as is.
    recordError(span, error, target.settings.secrets);
    throw error;
  } finally {
    span.end();
  }
}

async function tracedListModels(
  target: StreamTarget,
  options: ListModelsOptions | undefined,
): Promise<string[]> {
  const span = startAuxiliarySpan(target, "list_models");
  try {
    return await context.with(trace.setSpan(context.active(), span), () =>
      target.adapter.listModels(options),
    );
  } catch (error) {
    recordError(span, error, target.settings.secrets);
    throw error;
  } finally {
    span.end();
  }
}
