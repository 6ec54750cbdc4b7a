import type { Message, PartialOutput } from "@x/core";

/** The default instruction sent with `midStream: "continue"`. */
export const DEFAULT_CONTINUE_INSTRUCTION =
  "The previous assistant message was cut off. Continue it exactly where it stops, without repeating any of it and without commenting on the interruption.";

/**
 * The messages for a continuation attempt: the original conversation, the instruction, and the
 * partial answer as the final assistant message (an assistant prefix, as LiteLLM's
 * `MidStreamFallbackError` path sends it).
 */
export function continuationMessages(
  messages: readonly Message[],
  partialContent: string,
  instruction: string,
): Message[] {
  return [
    ...messages,
    { role: "system", content: instruction },
    { role: "assistant", content: partialContent },
  ];
}

/**
 * Puts `partial` on `error` (replacing what the failing adapter reported, which covers only its
 * own output, with what the consumer actually saw). Returns `error`.
 */
export function attachPartial(error: unknown, partial: PartialOutput): unknown {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, "partial", {
      value: partial,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return error;
}
