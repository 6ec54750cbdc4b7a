/**
 * Token counts for one response. A field the provider did not report is `undefined`
 * (unknown), never `0`.
 */
export interface Usage {
  /** Prompt tokens, cached ones included. */
  inputTokens?: number;
  /** Generated tokens, reasoning tokens included. */
  outputTokens?: number;
  /** Of `outputTokens`, how many were reasoning ("thinking") tokens. */
  reasoningTokens?: number;
  /** Of `inputTokens`, how many were served from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Total tokens as reported by the provider, or input + output when both are known. */
  totalTokens?: number;
}

/** Server-side timings for one response, in milliseconds. Fields the provider did not report are absent. */
export interface Timings {
  /** Whole request, as measured by the server. */
  totalMs?: number;
  /** Model load time (for Ollama, includes queue wait). */
  loadMs?: number;
  /** Prompt processing (prefill). */
  promptMs?: number;
  /** Token generation. */
  generationMs?: number;
  /** Time to first token as measured by the client, when the adapter measures it. */
  firstTokenMs?: number;
}
