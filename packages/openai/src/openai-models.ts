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
