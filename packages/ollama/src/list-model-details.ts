/** One installed model, from `GET /api/tags`. */
export interface OllamaModelDetails {
  /** The name to use as `model`, e.g. `"qwen3:8b"`. */
  name: string;
  /** Size on disk in bytes. */
  size?: number;
  /** Content digest (sha256 hex). */
  digest?: string;
  /** Last modification time as the server reported it (RFC 3339). */
  modifiedAt?: string;
  /** Weights format, e.g. `"gguf"`. */
  format?: string;
  /** Model family, e.g. `"qwen3"`. */
  family?: string;
  /** Parameter count as text, e.g. `"8.2B"`. */
  parameterSize?: string;
  /** Quantisation, e.g. `"Q4_K_M"`. */
  quantizationLevel?: string;
  /** Context window, when the server reports it (v0.10+). */
  contextLength?: number;
  /** Capabilities, e.g. `["completion", "tools", "thinking"]` (servers since ~v0.9.1). */
  capabilities?: string[];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Narrows one `/api/tags` entry; entries without a name are dropped. @internal */
export function toModelDetails(entry: unknown): OllamaModelDetails | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const name = str(e.name) ?? str(e.model);
  if (name === undefined) return undefined;
  const details = (typeof e.details === "object" && e.details !== null ? e.details : {}) as Record<
    string,
    unknown
  >;
  const out: OllamaModelDetails = { name };
  const set = <K extends keyof OllamaModelDetails>(key: K, value: OllamaModelDetails[K]) => {
    if (value !== undefined) out[key] = value;
  };
  set("size", num(e.size));
  set("digest", str(e.digest));
  set("modifiedAt", str(e.modified_at));
  set("format", str(details.format));
  set("family", str(details.family));
  set("parameterSize", str(details.parameter_size));
  set("quantizationLevel", str(details.quantization_level));
  set("contextLength", num(details.context_length));
  if (Array.isArray(e.capabilities)) {
    set(
      "capabilities",
      e.capabilities.filter((c): c is string => typeof c === "string"),
    );
  }
  return out;
}
