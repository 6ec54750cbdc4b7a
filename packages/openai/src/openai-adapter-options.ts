import type { Capabilities, Timeouts } from "@x/core";
import type { Dispatcher } from "undici";

/**
 * Switches for servers that deviate from OpenAI's request format. Every field is optional; the
 * defaults suit OpenAI and the servers listed in the README.
 */
export interface OpenAICompatOptions {
  /**
   * Field that carries `maxTokens`. OpenAI's reasoning models require `max_completion_tokens`;
   * most compatible servers (llama.cpp, older vLLM, LM Studio) only read `max_tokens`.
   * Default: `max_completion_tokens` for api.openai.com and Azure, `max_tokens` elsewhere.
   */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /**
   * How `StreamOptions.think` is sent. `"reasoning_effort"` (default): `"low" | "medium" | "high"`
   * as `reasoning_effort`, `true` as `"medium"`, `false` sends nothing. `"none"`: never sent (for
   * servers that reject unknown fields; use `providerOptions` for their own switch).
   */
  reasoningEffort?: "reasoning_effort" | "none";
  /** Send `stream_options.include_usage` (overrides the adapter's `includeUsage`). */
  includeUsage?: boolean;
}

/** Azure OpenAI settings: `api-key` header and `?api-version=` on every URL. */
export interface OpenAIAzureOptions {
  /** The `api-version` query parameter, e.g. `"2024-10-21"`. */
  apiVersion: string;
  /**
   * The deployment name. When set, requests go to
   * `{baseUrl}/openai/deployments/{deployment}/chat/completions`; when unset, `baseUrl` is used
   * as is (Azure's v1 API: `https://{resource}.openai.azure.com/openai/v1`).
   */
  deployment?: string;
}

/** Options for {@link OpenAIAdapter}. */
export interface OpenAIAdapterOptions {
  /** The model name sent in every request. */
  model: string;
  /**
   * API root; `/chat/completions` and `/models` are appended to its path (a query string stays
   * on every URL). Default `OPENAI_BASE_URL` or `https://api.openai.com/v1`. `user:password@`
   * in it is sent as a Basic `authorization` header (unless `apiKey` or `headers` set one);
   * those credentials and query values named like keys (`?key=`, `?api_key=`) never appear in
   * an error. Must be http(s): the constructor throws `TypeError` otherwise.
   */
  baseUrl?: string;
  /** API key, sent as `Authorization: Bearer` (or `api-key` with Azure). Default `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. */
  project?: string;
  /**
   * Extra request headers; they win over the adapter's own. Every value of 8 characters or more
   * is treated as a credential and kept out of errors, whatever the header's name.
   */
  headers?: Record<string, string>;
  /**
   * An undici dispatcher (proxy agent, custom pool). Default: a keep-alive `Agent` owned by the
   * adapter (undici's own headers/body timeouts off: `timeouts` set the limits), closed by
   * `close()`.
   */
  dispatcher?: Dispatcher;
  /**
   * Default time limits for every stream (per-call `timeouts` override field by field). A limit is
   * a positive number of milliseconds; unset, `Infinity` or over 2³¹−1 ms means no limit; `0`,
   * negative or `NaN` make the constructor throw `TypeError`.
   */
  timeouts?: Timeouts;
  /** Ask for a usage chunk with `stream_options.include_usage`. Default `true`. */
  includeUsage?: boolean;
  /** The provider name reported on chunks and errors, e.g. `"groq"`, `"vllm"`. Default `"openai"`. */
  provider?: string;
  /** Request-format switches for compatible servers. */
  compat?: OpenAICompatOptions;
  /** Azure OpenAI settings. */
  azure?: OpenAIAzureOptions;
  /** Default timeout of `healthCheck()` in milliseconds. Default 2000. */
  healthTimeoutMs?: number;
  /**
   * Longest SSE line accepted, in UTF-8 bytes, and longest event `data`, in characters. Default
   * 4 MiB; longer → `OpenAIProtocolError` (`oversize_frame`).
   */
  maxFrameSize?: number;
  /**
   * Overrides the claimed capabilities. Default: `tools`, `thinking`, `images`, `jsonSchema` and
   * `usage` true, `assistantPrefill` false (OpenAI answers a trailing assistant message rather
   * than continuing it; set it for llama.cpp or vLLM, which continue it).
   */
  capabilities?: Partial<Capabilities>;
}
