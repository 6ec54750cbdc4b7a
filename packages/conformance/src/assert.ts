import { AssertionError } from "node:assert";
import type { AdapterError, DoneChunk, StreamChunk } from "@x/core";

/** Throws an `AssertionError` with `message` (shown by every runner as the failure). */
export function fail(message: string): never {
  throw new AssertionError({ message });
}

/** Asserts `condition`; otherwise fails with `message`. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

/** Deep equality through JSON (enough for the plain data the contract carries). */
export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  const a = stableJson(actual);
  const e = stableJson(expected);
  if (a !== e) fail(`${what}: expected ${cut(e)}, got ${cut(a)}`);
}

function cut(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…(${text.length} chars)` : text;
}

/** JSON with sorted object keys, for order-insensitive comparison of objects. */
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v && typeof v === "object" && !Array.isArray(v)) {
        const sorted: Record<string, unknown> = {};
        for (const k of Object.keys(v as Record<string, unknown>).sort()) {
          sorted[k] = (v as Record<string, unknown>)[k];
        }
        return sorted;
      }
      return v;
    }) ?? "undefined"
  );
}

/** A short, readable rendering of chunks for failure messages. */
export function describeChunks(chunks: readonly StreamChunk[]): string {
  const parts = chunks.map((c) => {
    switch (c.type) {
      case "content":
        return `content(${short(c.content)})`;
      case "thinking":
        return `thinking(${short(c.thinking)})`;
      case "tool_calls":
        return `tool_calls(${c.toolCalls.map((t) => t.name).join(",")})`;
      case "reset":
        return `reset(${JSON.stringify(c.reason)})`;
      case "done":
        return `done(${c.finishReason})`;
    }
    return "unknown";
  });
  const shown = parts.length > 12 ? [...parts.slice(0, 6), "…", ...parts.slice(-5)] : parts;
  return `[${shown.join(", ")}]`;
}

/**
 * Asserts the stream contract on a finished stream: every chunk has a known type and is not empty
 * (a content or thinking delta is not `""`, a `tool_calls` chunk holds at least one call), no
 * `reset` (orchestrator only), exactly one `done`, and it is last. Returns the `done` chunk.
 */
export function checkWellFormed(chunks: readonly StreamChunk[]): DoneChunk {
  for (const chunk of chunks) {
    check(chunk.type !== "reset", "an adapter must never yield a reset chunk (orchestrator only)");
    if (chunk.type === "content")
      check(
        typeof chunk.content === "string" && chunk.content !== "",
        `a content chunk was empty or not text: ${JSON.stringify(chunk.content)}`,
      );
    else if (chunk.type === "thinking")
      check(
        typeof chunk.thinking === "string" && chunk.thinking !== "",
        `a thinking chunk was empty or not text: ${JSON.stringify(chunk.thinking)}`,
      );
    else if (chunk.type === "tool_calls")
      check(
        Array.isArray(chunk.toolCalls) && chunk.toolCalls.length > 0,
        "a tool_calls chunk held no tool call",
      );
    else check(chunk.type === "done", `unknown chunk type ${JSON.stringify(chunk.type)}`);
  }
  const dones = chunks.filter((c) => c.type === "done");
  check(
    dones.length === 1,
    `expected exactly one done chunk, got ${dones.length}: ${describeChunks(chunks)}`,
  );
  const last = chunks[chunks.length - 1];
  check(
    last?.type === "done",
    `the done chunk must be the last chunk; chunks after done: ${describeChunks(chunks)}`,
  );
  return last;
}

/** A delta for a message: quoted, and cut after 60 characters (a 4 MiB delta stays readable). */
function short(text: unknown): string {
  const json = JSON.stringify(text) ?? String(text);
  return json.length > 60 ? `${json.slice(0, 60)}…(${json.length} chars)` : json;
}

/** Concatenated `content` of the chunks. */
export function contentOf(chunks: readonly StreamChunk[]): string {
  let out = "";
  for (const c of chunks) if (c.type === "content") out += c.content;
  return out;
}

/** Concatenated `thinking` of the chunks. */
export function thinkingOf(chunks: readonly StreamChunk[]): string {
  let out = "";
  for (const c of chunks) if (c.type === "thinking") out += c.thinking;
  return out;
}

/** An error class of `@x/core` (checked with its `isInstance`, which survives duplicate installs). */
export interface ErrorClass {
  readonly name: string;
  isInstance(error: unknown): boolean;
}

/** Asserts that `error` is one of `classes`, and returns it typed as an `AdapterError`. */
export function checkErrorClass(
  error: unknown,
  classes: readonly ErrorClass[],
  situation: string,
): AdapterError {
  const names = classes.map((c) => c.name).join(" or ");
  check(error !== undefined, `${situation}: expected ${names}, but nothing was thrown`);
  if (!classes.some((c) => c.isInstance(error))) {
    fail(`${situation}: expected ${names}, got ${describeError(error)}`);
  }
  return error as AdapterError;
}

/** `Name: message` of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error value ${JSON.stringify(error)}`;
}

/**
 * Asserts that no secret appears anywhere in `error`: message, stack, `toJSON()`/JSON, own string
 * fields (body, excerpt), `partial` and the whole `cause` chain.
 */
export function checkNoSecret(error: unknown, secrets: readonly string[], situation: string): void {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && current !== null && !seen.has(current) && depth < 10) {
    seen.add(current);
    const texts: string[] = [String(current)];
    if (current instanceof Error) texts.push(current.message, current.stack ?? "");
    if (typeof current === "object") {
      try {
        texts.push(JSON.stringify(current) ?? "");
      } catch {
        // Circular structures cannot be serialised; the fields below are still checked.
      }
      for (const value of Object.values(current as Record<string, unknown>)) {
        if (typeof value === "string") texts.push(value);
        else if (value !== null && typeof value === "object" && !(value instanceof Error))
          texts.push(safeJson(value));
      }
    }
    for (const secret of secrets) {
      if (texts.some((t) => t.includes(secret))) {
        fail(
          `${situation}: a credential appears in the error${depth > 0 ? ` (cause at depth ${depth})` : ""}: ${hide(describeError(current), secrets)}`,
        );
      }
    }
    current = (current as { cause?: unknown }).cause;
    depth++;
  }
}

/** Asserts that no secret appears in any chunk (deltas, tool calls, `raw` frames, `done`). */
export function checkNoSecretInChunks(
  chunks: readonly StreamChunk[],
  secrets: readonly string[],
  situation: string,
): void {
  chunks.forEach((chunk, index) => {
    const text = safeJson(chunk);
    for (const secret of secrets) {
      if (text.includes(secret))
        fail(
          `${situation}: a credential appears in chunk ${index}: ${hide(text.slice(0, 300), secrets)}`,
        );
    }
  });
}

function safeJson(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? String(v) : v)) ?? ""
    );
  } catch {
    return String(value);
  }
}

function hide(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, "<CREDENTIAL>");
  return out;
}
