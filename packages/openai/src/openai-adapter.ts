import {
  type AIAdapter,
  type Capabilities,
  type HealthCheckOptions,
  type ListModelsOptions,
  type Message,
  mergeTimeouts,
  type StreamChunk,
  type StreamOptions,
  secretsFromHeaders,
  type Timeouts,
} from "@x/core";
import { Agent, type Dispatcher } from "undici";
import { buildOpenAIRequest, type RequestSettings } from "./build-openai-request.js";
import { ChatStreamIterator } from "./chat-stream-iterator.js";
import type { OpenAIAdapterOptions } from "./openai-adapter-options.js";
import { listModelsRequest, probeHealth } from "./openai-models.js";

const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** What `mergeTimeouts(undefined, undefined)` returns, shared (read only). */
const NO_TIMEOUTS: Timeouts = Object.freeze({});

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
  /** What this adapter claims (all true by default; override per model with `capabilities`). */
  readonly capabilities: Capabilities;
  readonly #baseUrl: string;
  /** The chat URL split once for undici's `dispatch()`. */
  readonly #chatOrigin: string;
  readonly #chatPath: string;
  readonly #modelsUrl: string;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed = false;
  readonly #timeouts: Timeouts | undefined;
  readonly #settings: RequestSettings;
  readonly #healthTimeoutMs: number;
  readonly #maxFrameSize: number | undefined;

  constructor(options: OpenAIAdapterOptions) {
    this.provider = options.provider ?? "openai";
    this.model = options.model;
    this.capabilities = {
      tools: true,
      thinking: true,
      images: true,
      jsonSchema: true,
      usage: true,
      ...options.capabilities,
    };
    const baseUrl = (options.baseUrl ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL).replace(
      /\/+$/,
      "",
    );
    this.#baseUrl = baseUrl;
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
    const azure = options.azure;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "text/event-stream",
    };
    if (apiKey) {
      if (azure) headers["api-key"] = apiKey;
      else headers.authorization = `Bearer ${apiKey}`;
    }
    if (options.organization) headers["openai-organization"] = options.organization;
    if (options.project) headers["openai-project"] = options.project;
    if (options.headers) {
      for (const [name, value] of Object.entries(options.headers))
        headers[name.toLowerCase()] = value;
    }
    this.#headers = headers;
    this.#secrets = [...(apiKey ? [apiKey] : []), ...secretsFromHeaders(headers)];
    let chatUrl: string;
    if (azure) {
      const query = `?api-version=${encodeURIComponent(azure.apiVersion)}`;
      const root = azure.deployment
        ? `${baseUrl}/openai/deployments/${encodeURIComponent(azure.deployment)}`
        : baseUrl;
      chatUrl = `${root}/chat/completions${query}`;
      this.#modelsUrl = `${azure.deployment ? `${baseUrl}/openai` : baseUrl}/models${query}`;
    } else {
      chatUrl = `${baseUrl}/chat/completions`;
      this.#modelsUrl = `${baseUrl}/models`;
    }
    const parsed = parseBaseUrl(chatUrl);
    this.#chatOrigin = parsed.origin;
    this.#chatPath = `${parsed.pathname}${parsed.search}`;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
    this.#timeouts = options.timeouts;
    const openaiHosted = azure !== undefined || /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
    const compat = options.compat ?? {};
    this.#settings = {
      model: options.model,
      includeUsage: compat.includeUsage ?? options.includeUsage ?? true,
      maxTokensField:
        compat.maxTokensField ?? (openaiHosted ? "max_completion_tokens" : "max_tokens"),
      reasoningEffort: (compat.reasoningEffort ?? "reasoning_effort") === "reasoning_effort",
    };
    this.#healthTimeoutMs = options.healthTimeoutMs ?? 2000;
    this.#maxFrameSize = options.maxFrameSize;
  }

  /**
   * Streams one answer: content / thinking / tool_calls chunks, then one `done`. The request is
   * sent on the first `next()`. See the package README for the mapping and the errors thrown.
   */
  stream(messages: Message[], options: StreamOptions = {}): AsyncIterableIterator<StreamChunk> {
    return new ChatStreamIterator({
      origin: this.#chatOrigin,
      path: this.#chatPath,
      target: this.#baseUrl,
      headers: this.#headers,
      body: JSON.stringify(buildOpenAIRequest(messages, options, this.#settings)),
      dispatcher: this.#dispatcher,
      // No limits anywhere (the common case): one shared empty object, no merge per request.
      timeouts:
        this.#timeouts === undefined && options.timeouts === undefined
          ? NO_TIMEOUTS
          : mergeTimeouts(this.#timeouts, options.timeouts),
      signal: options.signal,
      provider: this.provider,
      model: this.model,
      secrets: this.#secrets,
      maxFrameSize: this.#maxFrameSize,
    });
  }

  /**
   * `GET {baseUrl}/models`: `true` on a 2xx answer. Never rejects: `false` when the server is
   * down, refuses, answers non-2xx or does not answer within `timeoutMs` (default 2000).
   */
  healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    return probeHealth({
      url: this.#modelsUrl,
      headers: this.#headers,
      dispatcher: this.#dispatcher,
      timeoutMs: options.timeoutMs ?? this.#healthTimeoutMs,
      signal: options.signal,
    });
  }

  /**
   * `GET {baseUrl}/models`: the model ids (OpenAI's `data[].id`, llama.cpp's and Ollama's
   * `models[].name` too). Rejects with the same error classes as `stream()`.
   */
  listModels(options: ListModelsOptions = {}): Promise<string[]> {
    return listModelsRequest({
      url: this.#modelsUrl,
      target: this.#baseUrl,
      headers: this.#headers,
      dispatcher: this.#dispatcher,
      signal: options.signal,
      errorOptions: { provider: this.provider, model: this.model, secrets: this.#secrets },
    });
  }

  /** Closes the adapter's own connection pool (a `dispatcher` you passed is left open). */
  async close(): Promise<void> {
    // Idempotent: a chain's close() may close a member the caller already closed.
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }
}

/** Parses the chat URL once; the error names the option, not the URL (it may hold credentials). */
function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError("OpenAIAdapter: baseUrl is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`OpenAIAdapter: baseUrl must be http: or https:, not ${parsed.protocol}`);
  }
  return parsed;
}
