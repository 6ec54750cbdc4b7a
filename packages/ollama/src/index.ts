export type { OllamaModelDetails } from "./list-model-details.js";
export type { OllamaAdapterOptions } from "./ollama-adapter.js";
export { OllamaAdapter } from "./ollama-adapter.js";
export type { OllamaProtocolErrorOptions } from "./ollama-errors.js";
export { OllamaProtocolError, OllamaUnavailableError } from "./ollama-errors.js";
