import type { Capabilities, Message, StreamOptions } from "@x/core";
import type { CapabilityName } from "./events.js";

/** Shared result for "nothing needed" (the common case: no allocation). */
const NONE: readonly CapabilityName[] = Object.freeze([]);

/** The capabilities a request needs: tools, images, a JSON schema, thinking. */
export function requiredCapabilities(
  messages: readonly Message[],
  options: StreamOptions | undefined,
): readonly CapabilityName[] {
  const tools = !!options?.tools && options.tools.length > 0;
  let images = false;
  for (const m of messages) {
    if (m.images !== undefined && m.images.length > 0) {
      images = true;
      break;
    }
  }
  const jsonSchema = typeof options?.responseFormat === "object";
  const thinking = options?.think !== undefined && options.think !== false;
  if (!tools && !images && !jsonSchema && !thinking) return NONE;
  const needs: CapabilityName[] = [];
  if (tools) needs.push("tools");
  if (images) needs.push("images");
  if (jsonSchema) needs.push("jsonSchema");
  if (thinking) needs.push("thinking");
  return needs;
}

/** Which of `needs` `capabilities` lacks. */
export function missingCapabilities(
  capabilities: Capabilities,
  needs: readonly CapabilityName[],
): CapabilityName[] {
  return needs.filter((name) => !capabilities[name]);
}

/** The union of several adapters' capabilities. */
export function unionCapabilities(all: readonly Capabilities[]): Capabilities {
  return {
    tools: all.some((c) => c.tools),
    thinking: all.some((c) => c.thinking),
    images: all.some((c) => c.images),
    jsonSchema: all.some((c) => c.jsonSchema),
    usage: all.some((c) => c.usage),
  };
}
