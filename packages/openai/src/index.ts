export { OpenAIAdapter } from "./openai-adapter.js";
export type {
  OpenAIAdapterOptions,
  OpenAIAzureOptions,
  OpenAICompatOptions,
} from "./openai-adapter-options.js";
export { OpenAIProtocolError, OpenAIUnavailableError } from "./openai-errors.js";
