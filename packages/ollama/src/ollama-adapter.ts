import {
  type AIAdapter,
  type Capabilities,
  type HealthCheckOptions,
  type ListModelsOptions,
  type Message,
  mergeTimeouts,
  type StreamChunk,
  StreamDeadline,
  type StreamOptions,
  secretsFromHeaders,
  type Timeouts,
} from "@x/core";
import { Agent, type Dispatcher, request } from "undici";
import { buildChatRequest } from "./build-chat-request.js";
import { type OllamaModelDetails, toModelDetails } from "./list-model-details.js";
import {
  type ErrorContext,
  mapOllamaError,
  readCapped,
  readHttpError,
} from "./map-ollama-error.js";
import { OllamaProtocolError } from "./ollama-errors.js";
import { OllamaChatStream } from "./ollama-stream.js";

/** Options for {@link OllamaAdapter}. */
export interface OllamaAdapterOptions {
  /**
   * Server URL. Default: the `OLLAMA_HOST` environment variable (`host:port` or a URL), else
   * `http://localhost:11434`.
   */
  baseUrl?: string;
  /** The model name, e.g. `"llama3.2:3b"` or `"qwen3:8b"`. */
  model: string;
  /** Extra request headers (e.g. `Authorization` behind a proxy). Never appear in errors. */
  headers?: Record<string, string>;
  /**
   * Your own undici dispatcher (a proxy agent, a `MockAgent`...). Default: a keep-alive `Agent`
   * owned by the adapter and closed by `close()`.
   */
  dispatcher?: Dispatcher;
  /** Default time limits for every stream (per-call `timeouts` override them field by field). */
  timeouts?: Timeouts;
  /** Ollama's `keep_alive`: how long the model stays loaded (`"5m"`, `3600`, `-1`, `0`). */
  keepAlive?: number | string;
  /** `healthCheck()` timeout in milliseconds. Default 2000. */
  healthTimeoutMs?: number;
  /** Longest NDJSON line accepted, in characters. Default 4 MiB. */
  maxFrameSize?: number;
  /** Overrides the advertised capabilities (e.g. `{ tools: false }` for a model without tools). */
  capabilities?: Partial<Capabilities>;
}

const DEFAULT_BASE_URL = "http://localhost:11434";
const DEFAULT_MAX_FRAME_SIZE = 4 * 1024 * 1024;
const MAX_JSON_BODY = 16 * 1024 * 1024;

/**
 * The wire can carry every feature; whether a given model supports it is the server's answer
 * (a 400 "does not support tools/thinking" → `InvalidRequestError`). Override per model with the
 * `capabilities` option.
 */
const DEFAULT_CAPABILITIES: Capabilities = {
  tools: true,
  thinking: true,
  images: true,
  jsonSchema: true,
  usage: true,
};

/**
 * Streams chat completions from Ollama's native `/api/chat` (NDJSON) over undici.
 *
 * @example
 * const ollama = new OllamaAdapter({ model: "llama3.2:3b" });
 * for await (const chunk of ollama.stream([{ role: "user", content: "Hi" }])) {
 *   if (chunk.type === "content") process.stdout.write(chunk.content);
 * }
 * await ollama.close();
 */
export class OllamaAdapter implements AIAdapter {
  /** Always `"ollama"`. */
  readonly provider = "ollama";
  /** The configured model. */
  readonly model: string;
  /** What this adapter can do (see {@link OllamaAdapterOptions.capabilities}). */
  readonly capabilities: Capabilities;
  /** The server URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed = false;
  readonly #timeouts: Timeouts | undefined;
  readonly #keepAlive: number | string | undefined;
  readonly #healthTimeoutMs: number;
  readonly #maxFrameSize: number;
  readonly #context: ErrorContext;
  /** `/api/chat` split once for undici's `dispatch()`. */
  readonly #chatOrigin: string;
  readonly #chatPath: string;

  constructor(options: OllamaAdapterOptions) {
    this.model = options.model;
    this.baseUrl = resolveBaseUrl(options.baseUrl);
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    this.#headers = {
      "content-type": "application/json",
      accept: "application/x-ndjson, application/json",
      ...options.headers,
    };
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
    this.#timeouts = options.timeouts;
    this.#keepAlive = options.keepAlive;
    this.#healthTimeoutMs = options.healthTimeoutMs ?? 2000;
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#context = {
      provider: this.provider,
      model: this.model,
      secrets: secretsFromHeaders(options.headers),
    };
    const chat = parseUrl(`${this.baseUrl}/api/chat`);
    this.#chatOrigin = chat.origin;
    this.#chatPath = `${chat.pathname}${chat.search}`;
  }

  /**
   * Streams one answer. Yields `thinking`, `content` and `tool_calls` chunks, then one `done`;
   * or throws a typed error (see README). Leaving the loop early or aborting `signal` closes the
   * connection at once.
   */
  stream(messages: Message[], options: StreamOptions = {}): AsyncIterableIterator<StreamChunk> {
    const input = {
      origin: this.#chatOrigin,
      path: this.#chatPath,
      headers: this.#headers,
      body: "",
      dispatcher: this.#dispatcher,
      timeouts: mergeTimeouts(this.#timeouts, options.timeouts),
      signal: options.signal,
      maxFrameSize: this.#maxFrameSize,
      context: this.#context,
    };
    try {
      input.body = JSON.stringify(
        buildChatRequest({
          provider: this.provider,
          model: this.model,
          messages,
          options,
          keepAlive: this.#keepAlive,
        }),
      );
    } catch (error) {
      // Invalid input throws InvalidRequestError on the first pull, before anything is sent.
      return new OllamaChatStream(input, error);
    }
    return new OllamaChatStream(input);
  }

  /**
   * `GET /api/version`: `true` on a 2xx answer, `false` (never a rejection) when the server is
   * down, refuses, answers non-2xx, or does not answer within `timeoutMs` (default 2000).
   */
  async healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    const deadline = new StreamDeadline(
      { totalMs: options.timeoutMs ?? this.#healthTimeoutMs },
      options.signal,
    );
    try {
      if (deadline.reason !== undefined) return false;
      const response = await request(`${this.baseUrl}/api/version`, {
        method: "GET",
        headers: this.#headers,
        signal: deadline.signal,
        dispatcher: this.#dispatcher,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      await readCapped(response.body, 64 * 1024);
      return response.statusCode >= 200 && response.statusCode < 300;
    } catch {
      return false;
    } finally {
      deadline.dispose();
    }
  }

  /** `GET /api/tags` → the installed model names (e.g. `["qwen3:8b", "llama3.2:3b"]`). */
  async listModels(options: ListModelsOptions = {}): Promise<string[]> {
    const models = await this.listModelDetails(options);
    return models.map((model) => model.name);
  }

  /** `GET /api/tags` → each installed model with size, family, parameter size, quantisation, capabilities. */
  async listModelDetails(options: ListModelsOptions = {}): Promise<OllamaModelDetails[]> {
    const json = await this.#getJson("/api/tags", options.signal);
    const models = (json as { models?: unknown }).models;
    if (!Array.isArray(models)) {
      throw new OllamaProtocolError(`${this.provider}: /api/tags answer has no models array`, {
        ...this.#context,
        reason: "malformed_frame",
        excerpt: JSON.stringify(json).slice(0, 200),
      });
    }
    return models.map(toModelDetails).filter((m): m is OllamaModelDetails => m !== undefined);
  }

  /** Closes the adapter's own connection pool (a `dispatcher` you passed is left open). */
  async close(): Promise<void> {
    // Idempotent: a chain's close() may close a member the caller already closed.
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }

  async #getJson(path: string, signal: AbortSignal | undefined): Promise<unknown> {
    const deadline = new StreamDeadline({}, signal);
    let afterHeaders = false;
    try {
      if (deadline.reason !== undefined) throw deadline.error(this.#context);
      const response = await request(`${this.baseUrl}${path}`, {
        method: "GET",
        headers: this.#headers,
        signal: deadline.signal,
        dispatcher: this.#dispatcher,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      afterHeaders = true;
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw await readHttpError(response, this.#context);
      }
      const text = await readCapped(response.body, MAX_JSON_BODY);
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new OllamaProtocolError(`${this.provider}: ${path} answer is not JSON`, {
          ...this.#context,
          cause,
          reason: "malformed_frame",
          excerpt: text,
          position: 0,
        });
      }
    } catch (error) {
      throw mapOllamaError(error, deadline, this.#context, afterHeaders);
    } finally {
      deadline.dispose();
    }
  }
}

/** Parses a URL built from `baseUrl`; the error names the option, not the URL. */
function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new TypeError("OllamaAdapter: baseUrl (or OLLAMA_HOST) is not a valid URL");
  }
}

/** `baseUrl` option, else `OLLAMA_HOST` (`host`, `host:port` or a URL, as the ollama CLI reads it). */
function resolveBaseUrl(baseUrl: string | undefined): string {
  let url = baseUrl ?? process.env.OLLAMA_HOST?.trim() ?? "";
  if (url === "") url = DEFAULT_BASE_URL;
  if (!/^https?:\/\//i.test(url)) {
    url = `http://${url}`;
    // "0.0.0.0" is a listen address; connect to loopback like the ollama CLI does.
    url = url.replace("//0.0.0.0", "//127.0.0.1");
    if (!/:\d+(\/|$)/.test(url.replace(/^https?:\/\//i, ""))) {
      url = url.replace(/^(https?:\/\/[^/]+)/i, "$1:11434");
    }
  }
  return url.replace(/\/+$/, "");
}
