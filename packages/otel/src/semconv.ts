// Names from the OpenTelemetry GenAI semantic conventions v1.41.0, the last published version
// (the incubating entry point of @opentelemetry/semantic-conventions 1.45 carries the same
// strings). Copied rather than imported, as the OpenTelemetry docs advise for incubating names;
// `semconv.test.ts` checks every one against the package.
//
// The next version, being written in open-telemetry/semantic-conventions-genai and unpublished,
// renames the metrics (`gen_ai.client.inference.*`); we follow once it is published.

export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const ATTR_GEN_AI_REQUEST_TOP_P = "gen_ai.request.top_p";
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences";
export const ATTR_GEN_AI_REQUEST_SEED = "gen_ai.request.seed";
export const ATTR_GEN_AI_REQUEST_STREAM = "gen_ai.request.stream";
export const ATTR_GEN_AI_OUTPUT_TYPE = "gen_ai.output.type";
export const ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
export const ATTR_GEN_AI_TOKEN_TYPE = "gen_ai.token.type";
export const ATTR_GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const ATTR_GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const ATTR_GEN_AI_TOOL_DEFINITIONS = "gen_ai.tool.definitions";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_ERROR_TYPE = "error.type";

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration";
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage";
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  "gen_ai.client.operation.time_to_first_chunk";

/** The conventions' bucket boundaries for the two time histograms, in seconds. */
export const SECONDS_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** The conventions' bucket boundaries for `gen_ai.client.token.usage`. */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

// Our own names, for what the conventions do not cover (chains, attempts, outcomes). Kept under
// `x.` so they never collide with a future convention.

/** How a request or attempt ended: `success`, `error`, `aborted`, `cancelled`, `abandoned`, `skipped`. */
export const ATTR_X_OUTCOME = "x.outcome";
/** 1-based attempt number within a chain request. */
export const ATTR_X_CHAIN_ATTEMPT = "x.chain.attempt";
/** Attempts a chain request made, the serving one included. */
export const ATTR_X_CHAIN_ATTEMPTS = "x.chain.attempts";
/** 0-based position of the member in its chain. */
export const ATTR_X_CHAIN_MEMBER_INDEX = "x.chain.member.index";
/** Whether the attempt was started as a hedge. */
export const ATTR_X_CHAIN_HEDGED = "x.chain.hedged";
/** Where in the attempt a failure happened: `connect`, `first-chunk`, `mid-stream`. */
export const ATTR_X_CHAIN_STAGE = "x.chain.stage";
/** Whether output had been shown to the consumer when the chain fell back. */
export const ATTR_X_CHAIN_AFTER_COMMIT = "x.chain.after_commit";
/** The retry number (1-based) about to happen. */
export const ATTR_X_CHAIN_RETRY = "x.chain.retry";
/** The backoff before a retry, in milliseconds. */
export const ATTR_X_CHAIN_DELAY_MS = "x.chain.delay_ms";
/** Member index of the primary a hedge was started for. */
export const ATTR_X_CHAIN_PRIMARY_INDEX = "x.chain.primary.index";
/** Why a member was skipped: `capability` or `circuit-open`. */
export const ATTR_X_CHAIN_SKIP_REASON = "x.chain.skip.reason";
/** Capabilities a skipped member lacked. */
export const ATTR_X_CHAIN_SKIP_MISSING = "x.chain.skip.missing";
/** Consecutive failures that opened a breaker. */
export const ATTR_X_CHAIN_BREAKER_FAILURES = "x.chain.breaker.failures";
/** How long an opened breaker stays open, in milliseconds. */
export const ATTR_X_CHAIN_BREAKER_COOLDOWN_MS = "x.chain.breaker.cooldown_ms";
/** Why a `reset` discarded earlier output (the failed attempt's error message, redacted). */
export const ATTR_X_RESET_REASON = "x.reset.reason";
/** `healthCheck()`'s answer. */
export const ATTR_X_HEALTH_OK = "x.health.ok";

/** Span event names. */
export const EVENT_RETRY = "x.chain.retry";
export const EVENT_FALLBACK = "x.chain.fallback";
export const EVENT_HEDGE = "x.chain.hedge";
export const EVENT_SKIP = "x.chain.skip";
export const EVENT_BREAKER_OPEN = "x.chain.breaker.open";
export const EVENT_BREAKER_HALF_OPEN = "x.chain.breaker.half_open";
export const EVENT_BREAKER_CLOSE = "x.chain.breaker.close";
export const EVENT_RESET = "x.reset";
