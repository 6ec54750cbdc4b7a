/** What the gateway bench's processes say to each other over IPC. */

/** A child's HTTP server is up (sent by the guard, from inside every gateway process). */
export interface ListeningMessage {
  type: "listening";
  port: number;
}

/** The child's CPU time so far, in response to `{ type: "cpu" }`. */
export interface CpuMessage {
  type: "cpu";
  /** `process.cpuUsage()`: user and system µs. */
  user: number;
  system: number;
}

/** How the fake upstream answers from now on (parent → upstream). */
export interface UpstreamMode {
  type: "mode";
  /** Content chunks per answer. */
  chunks: number;
  /** Pause between content chunks, ms (0: write them back to back). */
  intervalMs: number;
}

/** The model name every target is asked for. */
export const MODEL = "bench-model";

/** The content of chunk `i`: short, varied, with a JSON escape and multi-byte UTF-8. */
export function token(i: number): string {
  const tokens = ["Hello", " world", ",", " the", " quick", " fox", ' "jumps"', " — ", "é", "\n"];
  return tokens[i % tokens.length] ?? "";
}

/** The whole text of an answer of `chunks` content chunks. */
export function expectedText(chunks: number): string {
  let text = "";
  for (let i = 0; i < chunks; i++) text += token(i);
  return text;
}
