import type {
  AIAdapter,
  Capabilities,
  HealthCheckOptions,
  ListModelsOptions,
  Message,
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
import { type ErrorContext, mapOllamaError } from "./map-ollama-error.js";
import { OllamaProtocolError } from "./ollama-errors.js";
import {
  type OllamaModelDetails,
  type OllamaRunningModel,
  toModelDetails,
  toRunningModel,
} from "./ollama-models.js";
import { type OllamaStreamInput, ollamaStream } from "./ollama-stream.js";

/** Options for {@link OllamaAdapter}. */
export interface OllamaAdapterOptions {
  /**
   * Server URL. Default: the `OLLAMA_HOST` environment variable (`host`, `host:port` or a URL),
   * else `http://localhost:11434`. `user:password@` in it is sent as `Authorization: Basic`;
   * neither it nor key-like query values (`?key=`) ever appear in an error.
   */
  baseUrl?: string;
  /** The model name, e.g. `"llama3.2:3b"` or `"qwen3:8b"`. */
  model: string;
  /** Extra request headers (e.g. a proxy's auth header). Their values never appear in errors. */
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
  /** Longest NDJSON line accepted, in UTF-8 bytes. Default 4 MiB. */
  maxFrameSize?: number;
  /** Overrides the advertised capabilities (e.g. `{ tools: false }` for a model without tools). */
  capabilities?: Partial<Capabilities>;
}

/** Options for {@link OllamaAdapter.listRunningModels}. */
export interface ListRunningModelsOptions {
  /** Cancels the request (it then rejects with `AbortedError`). */
  signal?: AbortSignal;
}

const DEFAULT_BASE_URL = "http://localhost:11434";

/**
 * The wire can carry every feature; whether a given model supports it is the server's answer
 * (a 400 "does not support tools/thinking" → `InvalidRequestError`). Override per model with the
 * `capabilities` option. Ollama continues a trailing assistant message rather than answering it,
 * hence `assistantPrefill`.
 */
const DEFAULT_CAPABILITIES: Capabilities = {
  tools: true,
  thinking: true,
  images: true,
  jsonSchema: true,
  usage: true,
  assistantPrefill: true,
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
  /** The server URL, without credentials and without a trailing slash. */
  readonly baseUrl: string;
  readonly #stream: OllamaStreamInput;
  readonly #ownsDispatcher: boolean;
  readonly #healthTimeoutMs: number;
  #closed = false;

  /** Throws `TypeError` when `baseUrl` (or `OLLAMA_HOST`) is not an http(s) URL. */
  constructor(options: OllamaAdapterOptions) {
    this.model = options.model;
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    const base = resolveBaseUrl(hostUrl(options.baseUrl), "OllamaAdapter");
    this.baseUrl = base.url;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#healthTimeoutMs = options.healthTimeoutMs ?? 2000;
    const context: ErrorContext = {
      provider: this.provider,
      model: this.model,
      secrets: collectSecrets({ headers: options.headers, baseUrl: base }),
    };
    this.#stream = {
      url: endpoint(base.url, "/api/chat"),
      headers: buildHeaders(
        { "content-type": "application/json", accept: "application/x-ndjson, application/json" },
        { authorization: base.authorization },
        options.headers,
      ),
      // undici's own 300 s header/body timeouts are off: the stream's deadline owns time limits.
      dispatcher:
        options.dispatcher ??
        new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 }),
      timeouts: options.timeouts,
      keepAlive: options.keepAlive,
      maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      context,
    };
  }

  /**
   * Streams one answer: `thinking`, `content` and `tool_calls` chunks, then one `done`; or throws
   * a typed error (see README). Never throws synchronously: bad input is an
   * `InvalidRequestError` from the first `next()`, before anything is sent. Leaving the loop
   * early or aborting `signal` closes the connection at once.
   */
  stream(
    messages: Message[],
    options?: StreamOptions,
  ): AsyncGenerator<StreamChunk, void, undefined> {
    return ollamaStream(this.#stream, messages, options);
  }

  /**
   * `GET /api/version`: `true` on a 2xx answer, `false` (never a rejection) when the server is
   * down, refuses, answers non-2xx, or does not answer within `timeoutMs` (default 2000).
   */
  async healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    const timeoutMs = options.timeoutMs ?? this.#healthTimeoutMs;
    if (!(timeoutMs > 0)) return false;
    const deadline = new StreamDeadline({ totalMs: timeoutMs }, options.signal);
    try {
      if (deadline.reason !== undefined) return false;
      const response = await this.#get("/api/version", deadline.signal);
      await readBody(response.body, MAX_ERROR_BODY_BYTES);
      return response.statusCode >= 200 && response.statusCode <= 299;
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
    const models = await this.#getModels("/api/tags", options.signal);
    return models.map(toModelDetails).filter((m): m is OllamaModelDetails => m !== undefined);
  }

  /**
   * `GET /api/ps` → the models loaded in memory right now, with their memory use and when they
   * will be unloaded. A request for a loaded model starts without a load delay.
   *
   * @example
   * const warm = (await ollama.listRunningModels()).some((m) => m.name === ollama.model);
   */
  async listRunningModels(options: ListRunningModelsOptions = {}): Promise<OllamaRunningModel[]> {
    const models = await this.#getModels("/api/ps", options.signal);
    return models.map(toRunningModel).filter((m): m is OllamaRunningModel => m !== undefined);
  }

  /** Closes the adapter's own connection pool (a `dispatcher` you passed is left open). */
  async close(): Promise<void> {
    // Idempotent: a chain's close() may close a member the caller already closed.
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#stream.dispatcher.close();
  }

  #get(path: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    return request(endpoint(this.baseUrl, path), {
      method: "GET",
      headers: this.#stream.headers,
      signal,
      dispatcher: this.#stream.dispatcher,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** GETs a `{"models": [...]}` answer (at most 32 MiB) and returns the array. */
  async #getModels(path: string, signal: AbortSignal | undefined): Promise<unknown[]> {
    const { context } = this.#stream;
    const deadline = new StreamDeadline({}, signal);
    let afterHeaders = false;
    try {
      if (deadline.reason !== undefined) throw deadline.error(context);
      const response = await this.#get(path, deadline.signal);
      afterHeaders = true;
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw await readHttpError(response, context, deadline);
      }
      const { text, truncated } = await readBody(response.body, MAX_SUCCESS_BODY_BYTES);
      if (truncated) {
        throw new OllamaProtocolError(
          `${context.provider}: the ${path} answer is larger than ${MAX_SUCCESS_BODY_BYTES} bytes`,
          { ...context, reason: "oversize_frame", excerpt: text },
        );
      }
      return parseModels(text, path, context);
    } catch (error) {
      throw mapOllamaError(error, deadline, context, afterHeaders);
    } finally {
      deadline.dispose();
    }
  }
}

function parseModels(text: string, path: string, context: ErrorContext): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const models = (json as { models?: unknown } | undefined)?.models;
  if (Array.isArray(models)) return models;
  throw new OllamaProtocolError(`${context.provider}: the ${path} answer has no models array`, {
    ...context,
    reason: "malformed_frame",
    excerpt: text,
    position: 0,
  });
}

/** `baseUrl` + `path`, keeping a query string (`?key=` for a proxy) at the end. */
function endpoint(baseUrl: string, path: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  return url.toString();
}

/** `baseUrl`, else `OLLAMA_HOST` (`host`, `host:port` or a URL, as the ollama CLI reads it). */
function hostUrl(baseUrl: string | undefined): string {
  let url = baseUrl ?? process.env.OLLAMA_HOST?.trim() ?? "";
  if (url === "") return DEFAULT_BASE_URL;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    // "0.0.0.0" is a listen address; connect to loopback like the ollama CLI does.
    url = `http://${url}`.replace("//0.0.0.0", "//127.0.0.1");
    if (!/:\d+(\/|$)/.test(url.replace(/^http:\/\//, ""))) {
      url = url.replace(/^(http:\/\/[^/]+)/, "$1:11434");
    }
  }
  return url;
}
