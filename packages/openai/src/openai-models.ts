import { AbortedError, type AdapterErrorOptions, StreamDeadline } from "@x/core";
import { type Dispatcher, request } from "undici";
import { mapHttpError, mapRequestError, readErrorBody } from "./map-openai-error.js";
import { OpenAIProtocolError } from "./openai-errors.js";

/** @internal */
export interface HealthProbe {
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/**
 * `GET /models` within `timeoutMs`: `true` on 2xx, `false` on anything else (refused, reset,
 * non-2xx, no answer in time, aborted). Never rejects; frees its timer, listener and socket.
 */
export async function probeHealth(probe: HealthProbe): Promise<boolean> {
  if (probe.signal?.aborted) return false;
  const deadline = new StreamDeadline({ totalMs: probe.timeoutMs }, probe.signal);
  try {
    const response = await request(probe.url, {
      method: "GET",
      headers: withoutContentType(probe.headers),
      dispatcher: probe.dispatcher,
      signal: deadline.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    // Drain a small body so the socket can be reused; anything slow or large is cut off.
    await readErrorBody(response.body).catch(() => undefined);
    return ok;
  } catch {
    return false;
  } finally {
    deadline.dispose();
  }
}

/** @internal */
export interface ModelsRequest {
  url: string;
  target: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
  errorOptions: AdapterErrorOptions;
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...headers, accept: "application/json" };
  delete out["content-type"];
  return out;
}

/**
 * Extracts model names from every `/models` shape seen in the wild: OpenAI's `data[].id` (also
 * vLLM, LM Studio, Ollama `/v1`, llama-cpp-python), llama.cpp's extra Ollama-style
 * `models[].name`/`model`, and Ollama's `data: null` when no model is installed.
 */
export function parseModelList(json: unknown): string[] | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const record = json as Record<string, unknown>;
  const names: string[] = [];
  const seen = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === "string" && name !== "" && !seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  };
  let known = false;
  if (Array.isArray(record.data)) {
    known = true;
    for (const item of record.data) {
      if (typeof item === "string") add(item);
      else if (typeof item === "object" && item !== null) add((item as Record<string, unknown>).id);
    }
  } else if (record.data === null) {
    known = true;
  }
  if (Array.isArray(record.models)) {
    known = true;
    for (const item of record.models) {
      if (typeof item === "string") add(item);
      else if (typeof item === "object" && item !== null) {
        const m = item as Record<string, unknown>;
        add(m.name ?? m.model ?? m.id);
      }
    }
  }
  return known ? names : undefined;
}

/** `GET /models` → model names; errors as `stream()` raises them. */
export async function listModelsRequest(req: ModelsRequest): Promise<string[]> {
  const options = req.errorOptions;
  const deadline = new StreamDeadline({}, req.signal);
  try {
    deadline.throwIfFired(options);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(req.url, {
        method: "GET",
        headers: withoutContentType(req.headers),
        dispatcher: req.dispatcher,
        signal: deadline.signal,
      });
    } catch (cause) {
      throw mapRequestError(cause, deadline, options, req.target);
    }
    let text: string;
    try {
      text = await readErrorBody(response.body);
    } catch (cause) {
      if (deadline.reason !== undefined) throw deadline.error({ ...options, cause });
      throw mapRequestError(cause, deadline, options, req.target);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw mapHttpError(response.statusCode, response.headers, text, options);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new OpenAIProtocolError(`${options.provider}: /models answered with invalid JSON`, {
        ...options,
        cause,
        reason: "malformed_frame",
        excerpt: text,
      });
    }
    const names = parseModelList(json);
    if (names === undefined) {
      throw new OpenAIProtocolError(`${options.provider}: /models answer has no model list`, {
        ...options,
        reason: "unexpected_frame",
        excerpt: text,
      });
    }
    return names;
  } catch (error) {
    if (req.signal?.aborted && !AbortedError.isInstance(error)) {
      throw new AbortedError(`${options.provider}: request aborted`, { ...options, cause: error });
    }
    throw error;
  } finally {
    deadline.dispose();
  }
}
