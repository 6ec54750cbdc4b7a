/** A JSON Schema object, as accepted by OpenAI and Ollama for tool parameters and outputs. */
export type JsonSchema = { [key: string]: unknown };

/** A function tool the model may call (the OpenAI/Ollama `{ type: "function" }` shape). */
export interface ToolDefinition {
  /** Always `"function"`. */
  type: "function";
  /** The function's description. */
  function: {
    /** The name the model uses to call it. */
    name: string;
    /** What the tool does, for the model. */
    description?: string;
    /** A JSON Schema for the arguments object. */
    parameters?: JsonSchema;
  };
}

/**
 * Whether and which tool the model must call: `"auto"` (the model decides), `"none"`, `"required"`
 * (some tool), or one named function.
 */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; name: string };
