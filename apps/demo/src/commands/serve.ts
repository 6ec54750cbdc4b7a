import type { FallbackChain } from "@x/orchestrator";
import type { Fault } from "../faults/fault-proxy.js";
import { proxiesOf, resolveProxiedMembers } from "../faults/proxied-members.js";
import type { RunningServer } from "../http/listen.js";
import { buildChain } from "../providers/build-chain.js";
import { type ProviderFlags, providerSecrets } from "../providers/resolve-providers.js";
import { createDemoTracing, type DemoTracing } from "../telemetry/demo-tracing.js";
import { formatEvent } from "../terminal/format-event.js";
import { createStyle, type Style, wantsColor } from "../terminal/style.js";
import { ChainMonitor } from "../web/chain-monitor.js";
import { startDemoServer } from "../web/demo-server.js";

/** Options of the `serve` command. */
export interface ServeOptions extends ProviderFlags {
  /** Use only the first reachable provider. */
  noFallback?: boolean;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port. Default 8787. */
  port?: number;
  /** `--fault LIST`: the fault each member starts with, in chain order (`none` for a healthy one). */
  memberFaults?: Fault[];
  /** `--trace`: print each request's spans (the request and its attempts) on stderr. */
  trace?: boolean;
}

/**
 * `serve` could not start (the port is taken, the address is not ours...). Its message is one
 * line for the user, which the CLI prints alone: it is not a bug of the demo.
 */
export class ServeStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServeStartError";
  }
}

/**
 * The simulators answer at once, so a `hang` fault falls back within 2 s instead of the chain's
 * default first-chunk limit (10 s, for a real model that may be loading). Everything else is the
 * orchestrator's defaults, which are what the page shows: output held back for the first 100
 * characters or 200 ms (a failure inside that window moves on with nothing shown), one retry of a
 * refused connection or a 5xx, a rate breaker that probes an open member's health every 500 ms.
 */
const SIMULATOR_FIRST_CHUNK_MS = 2_000;

function listenProblem(error: unknown, host: string, port: number): string {
  const code = (error as { code?: unknown }).code;
  if (code === "EADDRINUSE")
    return `port ${port} on ${host} is already in use (choose another with --port, or --port 0 for any free port)`;
  if (code === "EACCES") return `not allowed to listen on ${host}:${port} (try a port above 1023)`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return `cannot listen on ${host}: not an address of this machine`;
  return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Serves the web chat and the OpenAI-compatible gateway until SIGINT/SIGTERM, logging the
 * chain's events to stderr (and, with `trace`, each request's spans). Every member is reached
 * through a fault proxy, so the page's fault buttons (and `--fault`) can break it. Throws
 * {@link ServeStartError}, with everything already closed, when the server cannot listen.
 */
export async function runServe(options: ServeOptions): Promise<void> {
  const style = createStyle(wantsColor(process.stderr));
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8787;
  const tracing = createDemoTracing({
    ...(options.trace ? { print: (text: string) => process.stderr.write(text), style } : {}),
    secrets: providerSecrets(options),
  });
  try {
    await serveUntilSignal(options, host, port, style, tracing);
  } finally {
    await tracing.shutdown(); // prints what is pending, sends the last OTLP batch
  }
}

async function serveUntilSignal(
  options: ServeOptions,
  host: string,
  port: number,
  style: Style,
  tracing: DemoTracing,
): Promise<void> {
  const found = await resolveProxiedMembers({
    ...options,
    ...(options.memberFaults ? { faults: options.memberFaults } : {}),
  });
  for (const note of found.notes) process.stderr.write(`${style.dim(note)}\n`);
  const members = options.noFallback ? found.members.slice(0, 1) : found.members;
  const proxyCount = proxiesOf(members).length;
  if (options.memberFaults && options.memberFaults.length > proxyCount) {
    process.stderr.write(
      `${style.yellow(`--fault: ${options.memberFaults.length} faults for ${proxyCount} server(s); the rest are ignored`)}\n`,
    );
  }
  let chain: FallbackChain | undefined;
  const monitor = new ChainMonitor({
    members,
    ...(members.length > 1 ? { breakerStates: () => chain?.breakerStates() ?? [] } : {}),
  });
  // A pool's own events (a replica failing, the replica that served) reach the panel and the
  // request's trail through the monitor, and stderr.
  found.poolEvents.listener = (event, pool) => {
    const index = members.findIndex((member) => member.adapter === pool);
    if (index === -1) return;
    if (event.type === "failure" || event.type === "replica-served")
      process.stderr.write(`${formatEvent(event, style)}\n`);
    monitor.onPoolEvent(index, event);
  };
  const built = buildChain(
    members.map((member) =>
      member.simulated
        ? { adapter: member.adapter, firstChunkMs: SIMULATOR_FIRST_CHUNK_MS }
        : member.adapter,
    ),
    {
      tracing,
      onEvent: (event) => {
        process.stderr.write(`${formatEvent(event, style)}\n`);
        monitor.onEvent(event);
      },
    },
  );
  chain = built.chain;
  const order = members.map((member) => `${member.adapter.provider}/${member.adapter.model}`);
  const route = order.join(" → ");
  let server: RunningServer;
  try {
    server = await startDemoServer({
      adapter: built.adapter,
      monitor,
      description: `${found.simulated ? "SIMULATED servers: " : ""}${route}`,
      host,
      port,
    });
  } catch (error) {
    await found.close();
    throw new ServeStartError(listenProblem(error, host, port), { cause: error });
  }
  const faults = proxiesOf(members)
    .map((proxy) => (proxy.fault === "none" ? "" : `${proxy.target}: ${proxy.fault}`))
    .filter(Boolean);
  process.stdout.write(
    [
      `x-demo serve (${route}${found.simulated ? ", simulated" : ""})`,
      `  web chat:        ${server.url}/`,
      `  OpenAI gateway:  ${server.url}/v1   (POST /v1/chat/completions, GET /v1/models)`,
      ...(faults.length > 0 ? [`  faults:          ${faults.join(", ")}`] : []),
      `  try: curl -N ${server.url}/v1/chat/completions -H 'content-type: application/json' \\`,
      `         -d '{"model":"default","stream":true,"messages":[{"role":"user","content":"hi"}]}'`,
      ...(tracing.enabled ? [`  tracing:         ${tracing.destinations.join(", ")}`] : []),
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  await monitor.settled();
  await found.close(); // adapters, fault proxies and simulators
}
