/** How the server writes a response: large writes (default) or one `write()` per frame. */
export type WriteMode = "bulk" | "frame";

/** What the client asks the server for, encoded in the model name so every client can say it. */
export interface ResponseSpec {
  /** Number of content chunks. */
  n: number;
  /** Write mode. */
  mode: WriteMode;
}

/** Encodes a response spec as a model name, e.g. `bench-200000-bulk`. */
export function modelName(spec: ResponseSpec): string {
  return `bench-${spec.n}-${spec.mode}`;
}

/** Decodes a model name; unknown names yield `undefined`. */
export function parseModelName(model: unknown): ResponseSpec | undefined {
  if (typeof model !== "string") return undefined;
  const match = /^bench-(\d+)-(bulk|frame)$/.exec(model);
  if (!match) return undefined;
  return { n: Number(match[1]), mode: match[2] as WriteMode };
}
