import type {
  CollectedResponse,
  DoneChunk,
  FinishReason,
  StreamChunk,
  ToolCall,
  Usage,
} from "@x/core";
import { getChainReport } from "@x/orchestrator";

/** An OpenAI `chat.completion.chunk` object (the fields the gateway sends). */
export interface OpenAIChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    delta: Record<string, unknown>;
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: OpenAIUsage | null;
  /** Extension: which provider of the chain served (on the finish chunk). */
  x_provider?: string;
  /** Extension: the chain's attempts and failures (on the finish chunk, when a chain served). */
  x_chain?: ChainSummary;
  /** Extension: the chain abandoned the answer so far and restarts it (see README). */
  x_reset?: { reason: string; provider: string };
}

/** OpenAI's `usage` object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** What the gateway tells clients about the chain's work on one request. */
export interface ChainSummary {
  attempts: number;
  failures: Array<{
    provider: string;
    model: string;
    stage: string;
    code?: string;
    message: string;
  }>;
}

/** Summarises the chain report on a `done` chunk (absent when no chain served). */
export function chainSummary(done: DoneChunk): ChainSummary | undefined {
  const report = getChainReport(done);
  if (!report) return undefined;
  return {
    attempts: report.attempts,
    failures: report.failures.map((failure) => {
      const error = failure.error as { code?: unknown; message?: unknown } | undefined;
      return {
        provider: failure.adapter.provider,
        model: failure.adapter.model,
        stage: failure.stage,
        ...(typeof error?.code === "string" ? { code: error.code } : {}),
        message: typeof error?.message === "string" ? error.message : String(failure.error),
      };
    }),
  };
}

/** Fixed fields of one response. */
export interface ResponseIdentity {
  id: string;
  created: number;
  /** The model name to report until the `done` chunk names the one that answered. */
  model: string;
}

/** Maps our finish reason to OpenAI's (`error` and `other` have no OpenAI twin: `stop`). */
export function toOpenAIFinishReason(reason: FinishReason): string {
  return reason === "error" || reason === "other" ? "stop" : reason;
}

/** Maps our usage to OpenAI's; unknown counts are reported as 0, as OpenAI's schema requires. */
export function toOpenAIUsage(usage: Usage | undefined): OpenAIUsage {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  const result: OpenAIUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokens ?? prompt + completion,
  };
  if (usage?.cachedInputTokens !== undefined)
    result.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage?.reasoningTokens !== undefined) {
    result.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  }
  return result;
}

/** Converts tool calls to OpenAI's wire shape (arguments as JSON text). */
export function toOpenAIToolCalls(
  calls: readonly ToolCall[],
  firstIndex = 0,
): Array<Record<string, unknown>> {
  return calls.map((call, offset) => ({
    index: firstIndex + offset,
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
}

/** The visible note a streaming client sees when the chain restarts an answer. */
export function resetNote(reason: string, provider: string): string {
  return `\n\n[x-demo gateway: the answer above was abandoned (${reason}); ${provider} answers again from the start]\n\n`;
}

/**
 * Translates our stream chunks into OpenAI chunks, statefully: a first `role` delta, content as
 * `delta.content`, thinking as `delta.reasoning_content` (the DeepSeek/vLLM field most clients
 * read), each tool call whole in one delta with a running `index`, and the `done` chunk as a
 * finish chunk plus, when asked, a usage chunk with `choices: []`.
 *
 * OpenAI has no way to take text back, so a `reset` becomes a visible note in `delta.content`
 * and an `x_reset` extension field: the client sees that the answer restarted rather than a
 * silent splice of two answers.
 */
export function createChunkTranslator(
  identity: ResponseIdentity,
  options: { includeUsage: boolean },
): (chunk: StreamChunk) => OpenAIChunk[] {
  let started = false;
  let toolIndex = 0;
  let model = identity.model;
  const make = (delta: Record<string, unknown>, finish: string | null = null): OpenAIChunk => ({
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model,
    system_fingerprint: "fp_x_demo",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  return (chunk) => {
    const out: OpenAIChunk[] = [];
    if (chunk.type === "done") model = chunk.model;
    if (!started) {
      started = true;
      out.push(make({ role: "assistant", content: "" }));
    }
    switch (chunk.type) {
      case "content":
        out.push(make({ content: chunk.content }));
        break;
      case "thinking":
        out.push(make({ reasoning_content: chunk.thinking }));
        break;
      case "tool_calls":
        out.push(make({ tool_calls: toOpenAIToolCalls(chunk.toolCalls, toolIndex) }));
        toolIndex += chunk.toolCalls.length;
        break;
      case "reset":
        out.push({
          ...make({ content: resetNote(chunk.reason, chunk.provider) }),
          x_reset: { reason: chunk.reason, provider: chunk.provider },
        });
        break;
      case "done": {
        const summary = chainSummary(chunk);
        out.push({
          ...make({}, toOpenAIFinishReason(chunk.finishReason)),
          x_provider: chunk.provider,
          ...(summary ? { x_chain: summary } : {}),
        });
        if (options.includeUsage) {
          out.push({ ...make({}), choices: [], usage: toOpenAIUsage(chunk.usage) });
        }
        break;
      }
    }
    return out;
  };
}

/** Builds a non-streaming `chat.completion` body from a collected answer. */
export function toOpenAICompletion(
  identity: ResponseIdentity,
  collected: CollectedResponse,
  resets: ReadonlyArray<{ reason: string; provider: string }> = [],
): Record<string, unknown> {
  const done: DoneChunk = collected.done;
  const message: Record<string, unknown> = {
    role: "assistant",
    content:
      collected.message.content === "" && collected.message.toolCalls
        ? null
        : collected.message.content,
  };
  if (collected.message.thinking) message.reasoning_content = collected.message.thinking;
  if (collected.message.toolCalls) {
    message.tool_calls = toOpenAIToolCalls(collected.message.toolCalls).map(
      ({ index: _index, ...rest }) => rest,
    );
  }
  const body: Record<string, unknown> = {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: done.model,
    system_fingerprint: "fp_x_demo",
    choices: [
      { index: 0, message, logprobs: null, finish_reason: toOpenAIFinishReason(done.finishReason) },
    ],
    usage: toOpenAIUsage(done.usage),
    x_provider: done.provider,
  };
  const summary = chainSummary(done);
  if (summary) body.x_chain = summary;
  if (resets.length > 0) body.x_resets = resets;
  return body;
}
