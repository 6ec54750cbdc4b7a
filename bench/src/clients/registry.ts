import {
  createOurAnthropicClient,
  createOurOllamaClient,
  createOurOpenAIClient,
} from "./our-adapters.js";
import {
  createRawAnthropicClient,
  createRawNdjsonClient,
  createRawNdjsonGeneratorClient,
  createRawSseClient,
  createRawSseGeneratorClient,
} from "./raw-undici.js";
import {
  createAiSdkOllamaClient,
  createAiSdkOpenAIClient,
  createAnthropicSdkClient,
  createOllamaJsClient,
  createOpenAINodeClient,
} from "./third-party.js";
import type { ClientDefinition } from "./types.js";

/** Every client, in report order: per format, the raw lower bound first. */
export const CLIENTS: readonly ClientDefinition[] = [
  {
    id: "raw-ndjson",
    label: "raw undici + NDJSON split",
    format: "ndjson",
    kind: "raw",
    memory: true,
    create: createRawNdjsonClient,
  },
  {
    // Reference only (the targets use `raw-ndjson`): the per-chunk async iterator's own cost.
    id: "raw-ndjson-generator",
    label: "raw undici + NDJSON split, yielded by an async generator (reference)",
    format: "ndjson",
    kind: "raw",
    memory: false,
    create: createRawNdjsonGeneratorClient,
  },
  {
    // Control only: the raw client again, in a second process. Its ratio to the first shows
    // how finely the separate-process method resolves a ratio on this machine (ideally 1.00×).
    id: "raw-ndjson-twin",
    label: "raw undici + NDJSON split, again in a second process (control)",
    format: "ndjson",
    kind: "raw",
    memory: false,
    create: createRawNdjsonClient,
  },
  {
    id: "x-ollama",
    label: "@x/ollama",
    format: "ndjson",
    kind: "ours",
    memory: true,
    create: (context) => createOurOllamaClient(context),
  },
  {
    id: "x-chain-ollama",
    label: "@x/orchestrator chain(@x/ollama)",
    format: "ndjson",
    kind: "chain",
    memory: true,
    create: (context) => createOurOllamaClient(context, "chain"),
  },
  {
    // Reference only: @x/ollama through one forwarding async generator, the floor of any wrapper.
    id: "x-ollama-forwarded",
    label: "@x/ollama, each chunk forwarded by one async generator (reference)",
    format: "ndjson",
    kind: "ours",
    memory: false,
    create: (context) => createOurOllamaClient(context, "forwarded"),
  },
  {
    id: "ollama-js",
    label: "ollama (official) 0.6.4",
    format: "ndjson",
    kind: "third-party",
    memory: true,
    create: createOllamaJsClient,
  },
  {
    id: "ai-sdk-ollama",
    label: "ai streamText + ollama-ai-provider-v2",
    format: "ndjson",
    kind: "third-party",
    memory: false,
    create: createAiSdkOllamaClient,
  },
  {
    id: "raw-sse",
    label: "raw undici + SSE split",
    format: "sse",
    kind: "raw",
    memory: true,
    create: createRawSseClient,
  },
  {
    // Reference only (the targets use `raw-sse`): the per-chunk async iterator's own cost.
    id: "raw-sse-generator",
    label: "raw undici + SSE split, yielded by an async generator (reference)",
    format: "sse",
    kind: "raw",
    memory: false,
    create: createRawSseGeneratorClient,
  },
  {
    // Control only: the raw client again, in a second process. Its ratio to the first shows
    // how finely the separate-process method resolves a ratio on this machine (ideally 1.00×).
    id: "raw-sse-twin",
    label: "raw undici + SSE split, again in a second process (control)",
    format: "sse",
    kind: "raw",
    memory: false,
    create: createRawSseClient,
  },
  {
    id: "x-openai",
    label: "@x/openai",
    format: "sse",
    kind: "ours",
    memory: true,
    create: (context) => createOurOpenAIClient(context),
  },
  {
    id: "x-chain-openai",
    label: "@x/orchestrator chain(@x/openai)",
    format: "sse",
    kind: "chain",
    memory: true,
    create: (context) => createOurOpenAIClient(context, "chain"),
  },
  {
    // Reference only: @x/openai through one forwarding async generator, the floor of any wrapper.
    id: "x-openai-forwarded",
    label: "@x/openai, each chunk forwarded by one async generator (reference)",
    format: "sse",
    kind: "ours",
    memory: false,
    create: (context) => createOurOpenAIClient(context, "forwarded"),
  },
  {
    id: "openai-node",
    label: "openai (official)",
    format: "sse",
    kind: "third-party",
    memory: true,
    create: createOpenAINodeClient,
  },
  {
    id: "ai-sdk-openai",
    label: "ai streamText + @ai-sdk/openai-compatible",
    format: "sse",
    kind: "third-party",
    memory: false,
    create: createAiSdkOpenAIClient,
  },
  {
    id: "raw-anthropic",
    label: "raw undici + SSE split (Anthropic Messages)",
    format: "anthropic",
    kind: "raw",
    memory: true,
    create: createRawAnthropicClient,
  },
  {
    id: "x-anthropic",
    label: "@x/anthropic",
    format: "anthropic",
    kind: "ours",
    memory: true,
    create: (context) => createOurAnthropicClient(context),
  },
  {
    id: "x-chain-anthropic",
    label: "@x/orchestrator chain(@x/anthropic)",
    format: "anthropic",
    kind: "chain",
    memory: true,
    create: (context) => createOurAnthropicClient(context, "chain"),
  },
  {
    id: "anthropic-sdk",
    label: "@anthropic-ai/sdk (official)",
    format: "anthropic",
    kind: "third-party",
    memory: true,
    create: createAnthropicSdkClient,
  },
];

/** Looks a client up by id. */
export function findClient(id: string): ClientDefinition {
  const client = CLIENTS.find((candidate) => candidate.id === id);
  if (!client) throw new Error(`unknown client ${id}`);
  return client;
}
