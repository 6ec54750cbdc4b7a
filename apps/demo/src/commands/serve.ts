import { buildChain } from "../providers/build-chain.js";
import { type ProviderFlags, resolveProviders } from "../providers/resolve-providers.js";
import { formatEvent } from "../terminal/format-event.js";
import { createStyle, wantsColor } from "../terminal/style.js";
import { startDemoServer } from "../web/demo-server.js";

/** Options of the `serve` command. */
export interface ServeOptions extends ProviderFlags {
  /** Use only the first reachable provider. */
  noFallback?: boolean;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port. Default 8787. */
  port?: number;
}

/**
 * Serves the web chat and the OpenAI-compatible gateway until SIGINT/SIGTERM, logging the
 * chain's events to stderr.
 */
export async function runServe(options: ServeOptions): Promise<void> {
  const style = createStyle(wantsColor(process.stderr));
  const providers = await resolveProviders(options);
  for (const note of providers.notes) process.stderr.write(`${style.dim(note)}\n`);
  const chain = buildChain(providers.adapters, {
    ...(options.noFallback ? { noFallback: true } : {}),
    onEvent: (event) => process.stderr.write(`${formatEvent(event, style)}\n`),
  });
  const order = providers.adapters
    .map((adapter) => `${adapter.provider}/${adapter.model}`)
    .join(" → ");
  const server = await startDemoServer({
    adapter: chain,
    models: async () => [chain.model, ...providers.adapters.map((adapter) => adapter.model)],
    description: `${providers.simulated ? "SIMULATED servers: " : ""}${order}`,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 8787,
  });
  process.stdout.write(
    [
      `x-demo serve (${order}${providers.simulated ? ", simulated" : ""})`,
      `  web chat:        ${server.url}/`,
      `  OpenAI gateway:  ${server.url}/v1   (POST /v1/chat/completions, GET /v1/models)`,
      `  try: curl -N ${server.url}/v1/chat/completions -H 'content-type: application/json' \\`,
      `         -d '{"model":"any","stream":true,"messages":[{"role":"user","content":"hi"}]}'`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  await providers.close(); // closes every adapter (the chain holds nothing else)
}
