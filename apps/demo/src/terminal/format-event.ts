import type { AdapterRef, OrchestratorEvent } from "@x/orchestrator";
import type { Style } from "./style.js";

function name(ref: AdapterRef): string {
  return `${ref.provider}/${ref.model}`;
}

/** A one-line description of an error: class name and message (our adapters keep credentials out of their messages). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Formats one orchestrator event as a single terminal line. */
export function formatEvent(event: OrchestratorEvent, style: Style): string {
  switch (event.type) {
    case "attempt":
      return style.cyan(
        `  ↪ attempt ${event.attempt}: ${name(event.adapter)}${event.hedged ? " (hedge)" : ""}`,
      );
    case "retry":
      return style.yellow(
        `  ↻ retry ${event.retry} of ${name(event.adapter)} in ${Math.round(event.delayMs)} ms (${describeError(event.error)})`,
      );
    case "failure":
      return style.red(
        `  ✗ ${name(event.adapter)} failed at ${event.stage} after ${Math.round(event.durationMs)} ms: ${describeError(event.error)}`,
      );
    case "fallback":
      return style.yellow(
        `  → falling back from ${name(event.adapter)}${event.afterCommit ? " (output had already been shown)" : ""}`,
      );
    case "hedge":
      return style.yellow(
        `  ⇉ hedging: ${name(event.primary)} is slow, also starting ${name(event.adapter)}`,
      );
    case "skip":
      return style.dim(
        `  · skipped ${name(event.adapter)} (${event.reason}${event.missing ? `: ${event.missing.join(", ")}` : ""})`,
      );
    case "breaker-open":
      return style.red(
        `  ⏸ breaker open for ${name(event.adapter)} (${event.failures} failures, ${event.cooldownMs} ms)`,
      );
    case "breaker-probe":
      return style.dim(
        `  ◌ health probe of ${name(event.adapter)}: ${event.healthy ? "healthy" : "not yet"} (${Math.round(event.durationMs)} ms)`,
      );
    case "abort":
      return style.dim(
        `  ■ cancelled by the caller${event.adapter ? ` during ${name(event.adapter)}` : ""} after ${Math.round(event.elapsedMs)} ms`,
      );
    case "breaker-half-open":
      return style.dim(`  ◐ breaker half-open for ${name(event.adapter)}`);
    case "breaker-close":
      return style.green(`  ▶ breaker closed for ${name(event.adapter)}`);
    case "success":
      return style.green(
        `  ✓ served by ${name(event.adapter)} after ${event.attempts} attempt(s), ${Math.round(event.elapsedMs)} ms`,
      );
    case "replica-served":
      return style.green(
        `  ⇢ replica ${event.id} served (${event.strategy} choice ${event.rank}, ${event.inFlight} in flight)`,
      );
    default: {
      // Events of a feature the demo does not set up (a shared breaker store: store-unavailable,
      // store-recovered), or newer than this list: named, never dropped.
      const other = event as { type: string; adapter?: AdapterRef };
      return style.dim(`  · ${other.type}${other.adapter ? ` (${name(other.adapter)})` : ""}`);
    }
  }
}
