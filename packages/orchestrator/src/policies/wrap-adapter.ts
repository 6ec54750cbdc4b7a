import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";

/** An adapter identical to `adapter` except for `stream`. */
export function wrapAdapter(
  adapter: AIAdapter,
  stream: (messages: Message[], options?: StreamOptions) => AsyncIterable<StreamChunk>,
): AIAdapter {
  const wrapped: AIAdapter = {
    provider: adapter.provider,
    model: adapter.model,
    capabilities: adapter.capabilities,
    stream,
    healthCheck: (options) => adapter.healthCheck(options),
    listModels: (options) => adapter.listModels(options),
  };
  if (adapter.close) {
    const close = adapter.close.bind(adapter);
    wrapped.close = () => close();
  }
  return wrapped;
}
