export type { ListRunningModelsOptions, OllamaAdapterOptions } from "./ollama-adapter.js";
export { OllamaAdapter } from "./ollama-adapter.js";
export type { OllamaProtocolErrorOptions } from "./ollama-errors.js";
export { OllamaProtocolError, OllamaUnavailableError } from "./ollama-errors.js";
export type { OllamaModelDetails, OllamaRunningModel } from "./ollama-models.js";
