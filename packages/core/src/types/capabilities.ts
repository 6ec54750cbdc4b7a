/**
 * What an adapter (for its configured model) can do. The orchestrator skips adapters that lack a
 * capability a request needs, and the conformance suite checks that every claim holds.
 */
export interface Capabilities {
  /** Accepts `tools` and yields `tool_calls` chunks. */
  tools: boolean;
  /** Yields `thinking` chunks and honours `StreamOptions.think`. */
  thinking: boolean;
  /** Accepts `images` on user messages. */
  images: boolean;
  /** Honours `responseFormat` with a JSON schema. */
  jsonSchema: boolean;
  /** Reports token usage on the `done` chunk. */
  usage: boolean;
  /**
   * Continues a trailing assistant message (an "assistant prefill") instead of answering it.
   * A fallback chain's `midStream: "continue"` hands a partial answer only to members that set
   * this; absent means `false`.
   */
  assistantPrefill?: boolean;
}
