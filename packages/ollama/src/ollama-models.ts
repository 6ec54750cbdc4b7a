import { isRecord } from "./convert-to-ollama-messages.js";

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

/** One model loaded in memory right now, from `GET /api/ps`. */
export interface OllamaRunningModel {
  /** The model's name, e.g. `"qwen3:8b"` (compare with the adapter's `model`). */
  name: string;
  /** Memory it takes in bytes (RAM and VRAM). */
  size?: number;
  /** The part of `size` in GPU memory, in bytes. */
  sizeVram?: number;
  /** When the server will unload it unless it is used again (RFC 3339, from `keep_alive`). */
  expiresAt?: string;
  /** The context window it was loaded with. */
  contextLength?: number;
  /** Content digest (sha256 hex). */
  digest?: string;
  /** Model family, e.g. `"qwen3"`. */
  family?: string;
  /** Parameter count as text, e.g. `"8.2B"`. */
  parameterSize?: string;
  /** Quantisation, e.g. `"Q4_K_M"`. */
  quantizationLevel?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Copies the fields whose value is defined (optional properties stay absent, not undefined). */
function defined<T extends object>(fields: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** Narrows one `/api/tags` entry; entries without a name are dropped. @internal */
export function toModelDetails(entry: unknown): OllamaModelDetails | undefined {
  if (!isRecord(entry)) return undefined;
  const name = str(entry.name) ?? str(entry.model);
  if (name === undefined) return undefined;
  const details = isRecord(entry.details) ? entry.details : {};
  const capabilities = Array.isArray(entry.capabilities)
    ? entry.capabilities.filter((c): c is string => typeof c === "string")
    : undefined;
  return defined<OllamaModelDetails>({
    name,
    size: num(entry.size),
    digest: str(entry.digest),
    modifiedAt: str(entry.modified_at),
    format: str(details.format),
    family: str(details.family),
    parameterSize: str(details.parameter_size),
    quantizationLevel: str(details.quantization_level),
    contextLength: num(details.context_length),
    capabilities,
  });
}

/** Narrows one `/api/ps` entry; entries without a name are dropped. @internal */
export function toRunningModel(entry: unknown): OllamaRunningModel | undefined {
  if (!isRecord(entry)) return undefined;
  const name = str(entry.name) ?? str(entry.model);
  if (name === undefined) return undefined;
  const details = isRecord(entry.details) ? entry.details : {};
  return defined<OllamaRunningModel>({
    name,
    size: num(entry.size),
    sizeVram: num(entry.size_vram),
    expiresAt: str(entry.expires_at),
    contextLength: num(entry.context_length),
    digest: str(entry.digest),
    family: str(details.family),
    parameterSize: str(details.parameter_size),
    quantizationLevel: str(details.quantization_level),
  });
}
