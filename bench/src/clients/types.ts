import type { WireFormat } from "../protocol/render.js";

/** Where the loopback server listens. */
export interface ClientContext {
  /** `http://127.0.0.1:<port>` (no trailing slash, no path). */
  origin: string;
}

/** One streaming client under test. */
export interface BenchClient {
  /**
   * Streams one response for `model`, passing every content delta to `onText`. Rejects on any
   * failure (including an error the library would only log).
   */
  run(model: string, onText: (text: string) => void): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Which group a client belongs to, for the report. */
export type ClientKind = "raw" | "ours" | "chain" | "third-party";

/** A client the harness can start in a child process. */
export interface ClientDefinition {
  /** Stable id, used on the command line and in the report. */
  id: string;
  /** Human-readable name for the report. */
  label: string;
  format: WireFormat;
  kind: ClientKind;
  /** Whether the client is part of the 1,000,000-chunk memory figure in the full run. */
  memory: boolean;
  create(context: ClientContext): Promise<BenchClient>;
}

/** The prompt every client sends. */
export const PROMPT = "Write a long answer.";
