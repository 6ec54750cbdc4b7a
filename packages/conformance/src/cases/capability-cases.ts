import type { Capabilities } from "@x/core";
import { check } from "../assert.js";
import type { ConformanceCase } from "../types.js";

/** Suite capability → the adapter's own `capabilities` flag it must agree with. */
export const CAPABILITY_FLAGS = {
  toolCalls: "tools",
  thinking: "thinking",
  usage: "usage",
  images: "images",
  jsonSchema: "jsonSchema",
} as const satisfies Record<string, keyof Capabilities>;

/** The claims made to the suite must match what the adapter advertises to the orchestrator. */
export const capabilityCases: ConformanceCase[] = [
  {
    id: "capabilities.consistent",
    title: "every capability claimed to the suite is also set in adapter.capabilities",
    needs: [],
    async run(ctx) {
      const adapter = ctx.adapter();
      const claimed = ctx.options.capabilities ?? {};
      const problems: string[] = [];
      for (const [claim, flag] of Object.entries(CAPABILITY_FLAGS)) {
        if (
          claimed[claim as keyof typeof CAPABILITY_FLAGS] === true &&
          adapter.capabilities[flag] !== true
        ) {
          problems.push(
            `capabilities.${claim} is claimed, but adapter.capabilities.${flag} is ${String(adapter.capabilities[flag])}`,
          );
        }
      }
      check(problems.length === 0, problems.join("; "));
      check(
        typeof adapter.provider === "string" && adapter.provider !== "",
        "adapter.provider must be a non-empty string",
      );
      check(
        adapter.model === ctx.model,
        `adapter.model should be the model the factory got (${ctx.model}), got ${adapter.model}`,
      );
    },
  },
];
