import type {
  AdapterErrorOptions,
  AIAdapter,
  Capabilities,
  HealthCheckOptions,
  ListModelsOptions,
  Message,
  StreamChunk,
  StreamOptions,
} from "@x/core";
import {
  buildHeaders,
  collectSecrets,
  MAX_ERROR_BODY_BYTES,
  MAX_SUCCESS_BODY_BYTES,
  readBody,
  readHttpError,
  resolveBaseUrl,
  StreamDeadline,
  timeoutsProblem,
} from "@x/core/http";
import { Agent, type Dispatcher, request } from "undici";
import type { RequestSettings } from "./build-openai-request.js";
import { mapRequestError } from "./map-openai-error.js";
import type { OpenAIAdapterOptions } from "./openai-adapter-options.js";
import { OpenAIProtocolError } from "./openai-errors.js";
import { parseModelList } from "./openai-models.js";
import { streamOpenAI } from "./openai-stream.js";

const DEFAULT_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/** Endpoints and headers resolved once from the options. */
interface Endpoints {
  chat: string;
  models: string;
  /** The base URL without credentials or query, for "cannot reach" messages. */
  target: string;
  headers: Record<string, string>;
  secrets: string[];
}

/**
 * Streams chat completions from OpenAI's `POST /chat/completions` (SSE) and from every server that
 * copies it: Azure OpenAI, OpenRouter, Groq, vLLM, llama.cpp, LM Studio, Ollama's `/v1`.
 *
 * @example
 * const adapter = new OpenAIAdapter({ model: "gpt-4.1-mini" }); // OPENAI_API_KEY from the env
 * for await (const chunk of adapter.stream([{ role: "user", content: "Hi" }])) {
 *   if (chunk.type === "content") process.stdout.write(chunk.content);
 * }
 */
export class OpenAIAdapter implements AIAdapter {
  /** The provider name on chunks and errors (`"openai"` unless overridden). */
  readonly provider: string;
  /** The model sent in every request. */
  readonly model: string;
  /**
   * What this adapter claims: everything but `assistantPrefill` by default (OpenAI answers a
   * trailing assistant message instead of continuing it; llama.cpp and vLLM continue it).
   * Override per model with the `capabilities` option.
   */
  readonly capabilities: Capabilities;
  /**
   * The API root requests go to (`baseUrl` without credentials, query string or trailing slash),
   * for logs and tracing (`@x/otel` reads `server.address` from it).
   */
  readonly baseUrl: string;
  readonly #endpoints: Endpoints;
  readonly #settings: RequestSettings;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #healthTimeoutMs: number;
  readonly #maxFrameSize: number | undefined;
  #closed = false;

  /**
   * Checks the configuration and opens nothing yet. Throws `TypeError` for a `baseUrl` that is
   * not an http(s) URL and for invalid default `timeouts` (the message never shows the URL).
   */
  constructor(options: OpenAIAdapterOptions) {
    this.provider = options.provider ?? "openai";
    this.model = options.model;
    this.capabilities = {
      tools: true,
      thinking: true,
      images: true,
      jsonSchema: true,
      usage: true,
      assistantPrefill: false,
      ...options.capabilities,
    };
    const problem = timeoutsProblem(options.timeouts);
    if (problem !== undefined) throw new TypeError(`OpenAIAdapter: ${problem}`);
    this.#endpoints = resolveEndpoints(options);
    this.baseUrl = this.#endpoints.target;
    this.#settings = resolveSettings(options);
    this.#ownsDispatcher = options.dispatcher === undefined;
    // Our StreamDeadline owns time limits: undici's own headers/body timeouts are off.
    this.#dispatcher =
      options.dispatcher ??
      new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });
    this.#healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.#maxFrameSize = options.maxFrameSize;
  }

  /**
   * Streams one answer: content / thinking / tool_calls chunks, then one `done`. Never throws
   * here: the request is checked and sent on the first `next()`, which throws
   * `InvalidRequestError` for bad input (nothing sent) and the typed errors of the README.
   */
  stream(messages: Message[], options?: StreamOptions): AsyncGenerator<StreamChunk, void> {
    const endpoints = this.#endpoints;
    return streamOpenAI({
      url: endpoints.chat,
      target: endpoints.target,
      headers: endpoints.headers,
      dispatcher: this.#dispatcher,
      settings: this.#settings,
      errors: this.#errorOptions(),
      maxFrameSize: this.#maxFrameSize,
      messages,
      options,
    });
  }

  /**
   * `GET {baseUrl}/models`: `true` on a 2xx answer. Never rejects: `false` when the server is
   * down, refuses, answers non-2xx or does not answer within `timeoutMs` (default 2000).
   */
  async healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    const timeoutMs = options.timeoutMs ?? this.#healthTimeoutMs;
    if (options.signal?.aborted || timeoutsProblem({ totalMs: timeoutMs }) !== undefined) {
      return false;
    }
    const deadline = new StreamDeadline({ totalMs: timeoutMs }, options.signal);
    try {
      const response = await this.#get(this.#endpoints.models, deadline);
      // Read a small body to its end so the connection can be reused; a large one is cut off.
      await readBody(response.body, MAX_ERROR_BODY_BYTES);
      return response.statusCode >= 200 && response.statusCode < 300;
    } catch {
      return false;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * `GET {baseUrl}/models`: the model ids (OpenAI's `data[].id`, llama.cpp's and Ollama's
   * `models[].name` too). The list is read up to 32 MiB. Rejects with the same error classes as
   * `stream()`.
   */
  async listModels(options: ListModelsOptions = {}): Promise<string[]> {
    const errors = this.#errorOptions();
    const deadline = new StreamDeadline({}, options.signal);
    try {
      if (deadline.reason !== undefined) throw deadline.error(errors);
      let response: Dispatcher.ResponseData;
      try {
        response = await this.#get(this.#endpoints.models, deadline);
      } catch (cause) {
        throw mapRequestError(cause, deadline, errors, this.#endpoints.target);
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw await readHttpError(response, errors, deadline);
      }
      let body: { text: string; truncated: boolean };
      try {
        body = await readBody(response.body, MAX_SUCCESS_BODY_BYTES);
      } catch (cause) {
        throw mapRequestError(cause, deadline, errors, this.#endpoints.target);
      }
      return modelNames(body, errors);
    } finally {
      deadline.dispose();
    }
  }

  /** Closes the adapter's own connection pool (a `dispatcher` you passed is left open). */
  async close(): Promise<void> {
    // Idempotent: a chain's close() may close a member the caller already closed.
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }

  #errorOptions(): AdapterErrorOptions {
    return { provider: this.provider, model: this.model, secrets: this.#endpoints.secrets };
  }

  #get(url: string, deadline: StreamDeadline): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      ...this.#endpoints.headers,
      accept: "application/json",
    };
    delete headers["content-type"];
    return request(url, {
      method: "GET",
      headers,
      dispatcher: this.#dispatcher,
      signal: deadline.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }
}

/** The names in a `/models` answer; a cut-off or unknown body is a protocol error. */
function modelNames(body: { text: string; truncated: boolean }, errors: AdapterErrorOptions) {
  const fail = (message: string, reason: "oversize_frame" | "malformed_frame", cause?: unknown) =>
    new OpenAIProtocolError(`${errors.provider}: ${message}`, {
      ...errors,
      cause,
      reason,
      excerpt: body.text,
    });
  if (body.truncated) {
    throw fail(`/models answer over ${MAX_SUCCESS_BODY_BYTES / 1024 / 1024} MiB`, "oversize_frame");
  }
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch (cause) {
    throw fail("/models answered with invalid JSON", "malformed_frame", cause);
  }
  const names = parseModelList(json);
  if (names === undefined) throw fail("/models answer has no model list", "malformed_frame");
  return names;
}

/**
 * URLs and headers: `baseUrl` checked and its credentials taken out (`user:password@` becomes a
 * Basic `authorization` unless an API key or a configured header sets one), Azure's deployment
 * path and `api-version`, and every secret to keep out of errors.
 */
function resolveEndpoints(options: OpenAIAdapterOptions): Endpoints {
  const base = resolveBaseUrl(
    options.baseUrl ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL,
    "OpenAIAdapter",
  );
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
  const azure = options.azure;
  const url = new URL(base.url);
  const root = url.pathname.replace(/\/+$/, "");
  if (azure) url.searchParams.set("api-version", azure.apiVersion);
  const at = (path: string) => {
    const endpoint = new URL(url);
    endpoint.pathname = root + path;
    return endpoint.toString();
  };
  const deployment = azure?.deployment;
  const chatPath = deployment
    ? `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions`
    : "/chat/completions";
  const key = apiKey ? (azure ? { "api-key": apiKey } : { authorization: `Bearer ${apiKey}` }) : {};
  const headers = buildHeaders(
    { "content-type": "application/json", accept: "text/event-stream" },
    { authorization: base.authorization },
    key,
    { "openai-organization": options.organization, "openai-project": options.project },
    options.headers,
  );
  return {
    chat: at(chatPath),
    models: at(deployment ? "/openai/models" : "/models"),
    target: `${url.origin}${root}`,
    headers,
    secrets: collectSecrets({ apiKey, headers: options.headers, baseUrl: base }),
  };
}

function resolveSettings(options: OpenAIAdapterOptions): RequestSettings {
  const baseUrl = options.baseUrl ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const openaiHosted =
    options.azure !== undefined || /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
  const compat = options.compat ?? {};
  return {
    model: options.model,
    includeUsage: compat.includeUsage ?? options.includeUsage ?? true,
    maxTokensField:
      compat.maxTokensField ?? (openaiHosted ? "max_completion_tokens" : "max_tokens"),
    reasoningEffort: (compat.reasoningEffort ?? "reasoning_effort") === "reasoning_effort",
    timeouts: options.timeouts,
  };
}
