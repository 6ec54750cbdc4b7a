import type {
  AIAdapter,
  Capabilities,
  HealthCheckOptions,
  ListModelsOptions,
  StreamChunk,
  StreamOptions,
  Timeouts,
} from "@x/core";
import {
  buildHeaders,
  collectSecrets,
  DEFAULT_MAX_FRAME_SIZE,
  MAX_ERROR_BODY_BYTES,
  MAX_SUCCESS_BODY_BYTES,
  readBody,
  readHttpError,
  resolveBaseUrl,
  StreamDeadline,
} from "@x/core/http";
import { Agent, type Dispatcher, request } from "undici";
import { AnthropicProtocolError } from "./anthropic-errors.js";
import { anthropicStream } from "./anthropic-stream.js";
import { DEFAULT_MAX_TOKENS } from "./build-anthropic-request.js";
import type { AnthropicInputMessage } from "./convert-to-anthropic-messages.js";
import { type ErrorContext, mapAnthropicError } from "./map-anthropic-error.js";

/** Options for {@link AnthropicAdapter}. */
export interface AnthropicAdapterOptions {
  /**
   * Server URL without `/v1`. Default `https://api.anthropic.com`. `user:password@` in it is
   * sent as Basic authorization (for a proxy) and never appears in an error.
   */
  baseUrl?: string;
  /** The model, e.g. `claude-sonnet-4-5`. */
  model: string;
  /**
   * API key, sent as `x-api-key`. Default: the `ANTHROPIC_API_KEY` environment variable. Never
   * appears in an error.
   */
  apiKey?: string;
  /** `max_tokens` for calls that set no `maxTokens` (the API requires one). Default 4096. */
  maxTokens?: number;
  /**
   * Extra request headers; they win over the adapter's own (`anthropic-version: 2023-06-01`,
   * `x-api-key`), e.g. `anthropic-beta`. Never appear in an error.
   */
  headers?: Record<string, string>;
  /**
   * Your own undici dispatcher (a proxy agent, ...). Default: a keep-alive `Agent` owned by the
   * adapter and closed by `close()`.
   */
  dispatcher?: Dispatcher;
  /** Default time limits for every stream (per-call `timeouts` override them field by field). */
  timeouts?: Timeouts;
  /** `healthCheck()` timeout in milliseconds. Default 2000. */
  healthTimeoutMs?: number;
  /**
   * Longest SSE line accepted, in UTF-8 bytes, and longest event `data`, in characters. Default
   * 4 MiB.
   */
  maxFrameSize?: number;
  /** Overrides the advertised capabilities (e.g. `{ thinking: false }` for a model without it). */
  capabilities?: Partial<Capabilities>;
}

/** The API version this adapter speaks (the `anthropic-version` header). */
export const ANTHROPIC_VERSION = "2023-06-01";

const DEFAULT_BASE_URL = "https://api.anthropic.com";

/** The most model-list pages `listModels()` follows (1000 models each). */
const MAX_MODEL_PAGES = 100;

const DEFAULT_CAPABILITIES: Capabilities = {
  tools: true,
  thinking: true,
  images: true,
  jsonSchema: true,
  usage: true,
  // Anthropic continues a trailing assistant message (not with extended thinking on: see README).
  assistantPrefill: true,
};

/**
 * Streams answers from Anthropic's Messages API (`POST /v1/messages`) over undici.
 *
 * @example
 * const adapter = new AnthropicAdapter({ model: "claude-sonnet-4-5" }); // key from ANTHROPIC_API_KEY
 * for await (const chunk of adapter.stream([{ role: "user", content: "Hi" }])) {
 *   if (chunk.type === "content") process.stdout.write(chunk.content);
 * }
 * await adapter.close();
 */
export class AnthropicAdapter implements AIAdapter {
  /** Always `"anthropic"`. */
  readonly provider = "anthropic";
  /** The configured model. */
  readonly model: string;
  /** What this adapter can do (see {@link AnthropicAdapterOptions.capabilities}). */
  readonly capabilities: Capabilities;
  /** The server URL, without credentials and without a trailing slash. */
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #timeouts: Timeouts | undefined;
  readonly #maxTokens: number;
  readonly #healthTimeoutMs: number;
  readonly #maxFrameSize: number;
  readonly #context: ErrorContext;
  #closed = false;

  constructor(options: AnthropicAdapterOptions) {
    const base = resolveBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL, "AnthropicAdapter");
    this.model = options.model;
    this.baseUrl = base.url;
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    this.#headers = buildHeaders(
      {
        "content-type": "application/json",
        accept: "text/event-stream",
        "anthropic-version": ANTHROPIC_VERSION,
        "x-api-key": apiKey || undefined,
        authorization: base.authorization,
      },
      options.headers,
    );
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000 });
    this.#timeouts = options.timeouts;
    this.#maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.#healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#context = {
      provider: this.provider,
      model: this.model,
      secrets: collectSecrets({ apiKey, headers: options.headers, baseUrl: base }),
    };
  }

  /**
   * Streams one answer: `thinking`, `content` and `tool_calls` chunks, then one `done` (whose
   * `raw` is the whole `AnthropicResponseMessage`, thinking signatures included); or throws
   * a typed error. Never throws synchronously: bad input fails from the first `next()`. Leaving
   * the loop early or aborting `signal` closes the connection at once.
   */
  stream(messages: AnthropicInputMessage[], options?: StreamOptions): AsyncIterable<StreamChunk> {
    return anthropicStream(
      {
        url: `${this.baseUrl}/v1/messages`,
        headers: this.#headers,
        dispatcher: this.#dispatcher,
        timeouts: this.#timeouts,
        maxTokens: this.#maxTokens,
        maxFrameSize: this.#maxFrameSize,
        context: this.#context,
      },
      messages,
      options,
    );
  }

  /**
   * `GET /v1/models?limit=1` (the API has no health endpoint; this one also proves the key):
   * `true` on a 2xx answer, `false` (never a rejection) when the server is
   * down, refuses, answers non-2xx, or does not answer within `timeoutMs` (default 2000).
   */
  async healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    const deadline = new StreamDeadline(
      { totalMs: options.timeoutMs ?? this.#healthTimeoutMs },
      options.signal,
    );
    try {
      if (deadline.reason !== undefined) return false;
      const response = await request(`${this.baseUrl}/v1/models?limit=1`, {
        headers: this.#headers,
        signal: deadline.signal,
        dispatcher: this.#dispatcher,
      });
      await readBody(response.body, MAX_ERROR_BODY_BYTES);
      return response.statusCode >= 200 && response.statusCode <= 299;
    } catch {
      return false;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * `GET /v1/models` → the model ids the server offers, every page (`limit=1000`, then
   * `after_id` while `has_more`; at most 100 pages).
   */
  async listModels(options: ListModelsOptions = {}): Promise<string[]> {
    const deadline = new StreamDeadline({}, options.signal);
    let afterHeaders = false;
    try {
      const ids: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_MODEL_PAGES; page++) {
        if (deadline.reason !== undefined) throw deadline.error(this.#context);
        const query = after === undefined ? "" : `&after_id=${encodeURIComponent(after)}`;
        afterHeaders = false;
        const response = await request(`${this.baseUrl}/v1/models?limit=1000${query}`, {
          headers: this.#headers,
          signal: deadline.signal,
          dispatcher: this.#dispatcher,
        });
        afterHeaders = true;
        if (response.statusCode < 200 || response.statusCode > 299) {
          throw await readHttpError(response, this.#context, deadline);
        }
        const list = await this.#readModelPage(response);
        ids.push(...list.ids);
        if (!list.hasMore || list.lastId === undefined || list.lastId === after) break;
        after = list.lastId;
      }
      return ids;
    } catch (error) {
      throw mapAnthropicError(error, deadline, this.#context, afterHeaders);
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

  /** One page of `{"data":[{"id"}],"has_more","last_id"}`. */
  async #readModelPage(
    response: Dispatcher.ResponseData,
  ): Promise<{ ids: string[]; hasMore: boolean; lastId: string | undefined }> {
    const { text, truncated } = await readBody(response.body, MAX_SUCCESS_BODY_BYTES);
    if (truncated) throw this.#badModels("the model list is over 32 MiB", "oversize_frame");
    let json: { data?: unknown; has_more?: unknown; last_id?: unknown };
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw this.#badModels("the model list is not JSON", "malformed_frame", cause);
    }
    if (typeof json !== "object" || json === null || !Array.isArray(json.data)) {
      throw this.#badModels("the model list has no data array", "malformed_frame");
    }
    const ids = json.data.map((model: { id?: unknown }) => String(model?.id));
    const lastId = typeof json.last_id === "string" ? json.last_id : ids.at(-1);
    return { ids, hasMore: json.has_more === true, lastId };
  }

  #badModels(
    message: string,
    reason: "oversize_frame" | "malformed_frame",
    cause?: unknown,
  ): AnthropicProtocolError {
    return new AnthropicProtocolError(`${this.provider}: ${message}`, {
      ...this.#context,
      cause,
      reason,
    });
  }
}
