/**
 * A complete tool call requested by the model.
 *
 * Contract: `arguments` is always a parsed JSON object, never a string. An adapter whose wire
 * format streams arguments as text accumulates the fragments and yields each call exactly once,
 * complete. Arguments that are not valid JSON make the stream throw a `ProtocolError` naming the
 * tool and carrying the text.
 */
export interface ToolCall {
  /** Stable id of the call; synthesised by the adapter when the provider sends none. */
  id: string;
  /** The function name, as given in the matching {@link ToolDefinition}. */
  name: string;
  /** The parsed arguments object. */
  arguments: Record<string, unknown>;
}
