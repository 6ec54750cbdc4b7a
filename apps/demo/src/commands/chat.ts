import { buildChain } from "../providers/build-chain.js";
import {
  type ProviderFlags,
  providerSecrets,
  resolveProviders,
} from "../providers/resolve-providers.js";
import { createDemoTracing, printTraceBeside } from "../telemetry/demo-tracing.js";
import { createChatInput, type InputStream } from "../terminal/chat-input.js";
import { HELP, runChatSession } from "../terminal/chat-session.js";
import { formatEvent } from "../terminal/format-event.js";
import { LineWriter, type Output } from "../terminal/line-writer.js";
import { createStyle, wantsColor } from "../terminal/style.js";

/** Options of the `chat` command. */
export interface ChatOptions extends ProviderFlags {
  /** Use only the first reachable provider. */
  noFallback?: boolean;
  /** Offer the demo tools (get_weather, get_time) and run the calls the model makes. */
  tools?: boolean;
  /** Ask for reasoning (`think: true`). */
  think?: boolean;
  /** `--trace`: print each answer's spans (the request and its attempts) on `streams.trace`. */
  trace?: boolean;
}

/** Where the chat reads and writes. Default: the process's stdin and stdout. */
export interface ChatStreams {
  input: InputStream;
  output: Output;
  /** Where `--trace` prints spans. Default: stderr. */
  trace?: Output;
}

/**
 * The `chat` command: finds the servers (or starts the simulators), builds the chain and runs
 * the conversation on `streams` (default stdin / stdout). On a terminal, keys typed while an
 * answer streams are discarded, unechoed; piped lines are answered in order
 * (`printf 'hi\n/exit\n' | node apps/demo/dist/cli.js chat`).
 */
export async function runChat(
  options: ChatOptions,
  streams: ChatStreams = { input: process.stdin, output: process.stdout },
): Promise<void> {
  const style = createStyle(wantsColor(streams.output));
  const out = new LineWriter(streams.output);
  const tracing = createDemoTracing({
    ...(options.trace ? printTraceBeside(out, streams.trace ?? process.stderr) : {}),
    secrets: providerSecrets(options),
  });
  try {
    const providers = await resolveProviders(options);
    const input = createChatInput(streams.input, streams.output);
    try {
      for (const note of providers.notes) out.line(style.dim(note));
      // A pool's own events: a replica that failed (the pool moved on) and the one that served.
      providers.poolEvents.listener = (event) => {
        if (event.type === "failure" || event.type === "replica-served")
          out.line(formatEvent(event, style));
      };
      if (tracing.enabled) out.line(style.dim(`Tracing: ${tracing.destinations.join(", ")}`));
      const { adapter } = buildChain(providers.adapters, {
        ...(options.noFallback ? { noFallback: true } : {}),
        tracing,
        onEvent: (event) => {
          // Attempts and successes would repeat the done line; a cancel prints "(stopped)".
          if (event.type !== "attempt" && event.type !== "success" && event.type !== "abort")
            out.line(formatEvent(event, style));
        },
      });
      const order = providers.adapters.map((adapter) => `${adapter.provider}/${adapter.model}`);
      const route =
        options.noFallback || order.length === 1
          ? order[0]
          : `fallback chain: ${order.join(" → ")}`;
      out.line(`${style.bold("x-demo chat")} · ${route}`);
      out.line(style.dim(HELP));
      await runChatSession({
        adapter,
        input,
        out,
        style,
        ...(options.tools ? { tools: true } : {}),
        ...(options.think ? { think: true } : {}),
      });
    } finally {
      input.close();
      await providers.close(); // closes every adapter (the chain holds nothing else)
    }
  } finally {
    await tracing.shutdown(); // prints what is pending, sends the last OTLP batch
  }
}
