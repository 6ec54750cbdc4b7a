import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { gunzipSync } from "node:zlib";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { runChat } from "../src/commands/chat.js";
import { runScenario } from "../src/commands/scenario.js";
import { otlpRequested } from "../src/telemetry/demo-tracing.js";
import { SpanTreePrinter } from "../src/telemetry/span-tree-printer.js";
import { createStyle } from "../src/terminal/style.js";
import { startServe } from "./browser/serve-process.js";
import { send } from "./http-client.js";
import { runCli } from "./run-cli.js";

const plain = createStyle(false);

/** The `[trace]` lines of an output, without the prefix. */
function traceLines(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("[trace] "))
    .map((line) => line.slice("[trace] ".length));
}

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback OTLP/HTTP collector: records every request, answers 200 `{}`. */
async function startCollector() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(parts),
      });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** The spans and service names in OTLP/JSON trace export bodies. */
function parseOtlp(bodies: readonly Received[]) {
  const spans: OtlpSpan[] = [];
  const services: unknown[] = [];
  for (const request of bodies) {
    const raw =
      request.headers["content-encoding"] === "gzip" ? gunzipSync(request.body) : request.body;
    const json = JSON.parse(raw.toString("utf8")) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: OtlpSpan[] }[];
      }[];
    };
    for (const resourceSpans of json.resourceSpans) {
      services.push(
        resourceSpans.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue,
      );
      for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
    }
  }
  return { spans, services };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("--trace: spans printed one line each, as a tree", () => {
  it("scenario: a fallback is a request span with an attempt child per member", async () => {
    let text = "";
    const both = {
      write: (chunk: string) => {
        text += chunk;
      },
    };
    const results = await runScenario({ out: both, trace: both, style: plain, faults: ["refuse"] });
    expect(results.map((result) => result.passed)).toEqual([true]);
    expect(text.match(/\[trace\]/g)).toHaveLength(3);
    const [request, failed, served] = traceLines(text);
    expect(request).toMatch(
      /^chat chain {2}\d+(\.\d)? ms {2}openai\/sim-gpt {2}success {2}finish=stop {2}tokens=\d+\/\d+ {2}ttfc=[\d.]+ ms {2}attempts=2 {2}events=fallback$/,
    );
    expect(failed).toMatch(
      /^ {2}attempt sim-llama {2}[\d.]+ ms {2}ollama\/sim-llama {2}@127\.0\.0\.1:\d+ {2}error=OllamaUnavailableError at connect$/,
    );
    expect(served).toMatch(
      /^ {2}attempt sim-gpt {2}[\d.]+ ms {2}openai\/sim-gpt {2}@127\.0\.0\.1:\d+ {2}success$/,
    );
    // The tree comes before the done line (the request span ends with its `done` chunk).
    expect(text.indexOf("[trace] chat chain")).toBeLessThan(text.indexOf("[done ·"));
  });

  it("chat: a trace starts on a line of its own, never inside the answer", async () => {
    // One stream for the answer and the trace, as in a terminal. The chat prints no success
    // event, so the request span ends right after the answer's last word.
    let text = "";
    const both = {
      write: (chunk: string) => {
        text += chunk;
      },
    };
    const input = new PassThrough();
    input.end("hello\n/exit\n");
    await runChat(
      { sim: true, simTokenDelayMs: 0, trace: true },
      { input, output: both, trace: both },
    );
    expect(text).toContain('You said: "hello"');
    const lines = text.split("\n");
    expect(lines.filter((line) => line.includes("[trace]") && !line.startsWith("[trace]"))).toEqual(
      [],
    );
    expect(traceLines(text).map((line) => line.replace(/ {2}\d.*$/, ""))).toEqual([
      "chat chain",
      "  attempt sim-llama",
    ]);
  });

  it("the printer waits for the root span, orders children by start, and flushes orphans", async () => {
    const printed: string[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SpanTreePrinter((text) => printed.push(text), plain)],
    });
    const tracer = provider.getTracer("test");
    const { context, trace } = await import("@opentelemetry/api");
    const at = (ms: number) => ({ startTime: 1_700_000_000_000 + ms });
    const root = tracer.startSpan("request", at(0));
    const inRoot = trace.setSpan(context.active(), root);
    const first = tracer.startSpan("first", at(1), inRoot);
    const second = tracer.startSpan("second", at(2), inRoot);
    const nested = tracer.startSpan("nested", at(3), trace.setSpan(inRoot, first));
    second.end();
    nested.end();
    first.end();
    expect(printed).toEqual([]);
    root.end();
    expect(printed).toHaveLength(1);
    expect(traceLines(printed[0]!).map((line) => line.replace(/ {2}[\d.]+ ms.*$/, ""))).toEqual([
      "request",
      "  first",
      "    nested",
      "  second",
    ]);
    // A child whose root never ends is printed when the provider shuts down, not lost.
    const unfinished = tracer.startSpan("unfinished");
    tracer.startSpan("orphan", {}, trace.setSpan(context.active(), unfinished)).end();
    expect(printed).toHaveLength(1);
    await provider.shutdown();
    expect(printed).toHaveLength(2);
    expect(traceLines(printed[1]!)[0]).toMatch(/^orphan {2}/);
  });

  it("the built CLI: scenario --trace prints the tree on stderr, stdout as without it", async () => {
    const { code, stdout, stderr } = await runCli(["scenario", "--fault", "refuse", "--trace"]);
    expect(code).toBe(0);
    expect(stdout).toContain("All scenarios passed: 1/1");
    expect(stdout).not.toContain("[trace]");
    expect(traceLines(stderr).map((line) => line.replace(/ {2}\d.*$/, ""))).toEqual([
      "chat chain",
      "  attempt sim-llama",
      "  attempt sim-gpt",
    ]);
  });

  it("the built CLI: chat --trace (piped) prints one tree per answer", async () => {
    const { code, stdout, stderr } = await runCli(["chat", "--sim", "--trace"], {
      input: "hello\nagain\n/exit\n",
    });
    expect(code).toBe(0);
    expect(stdout).toContain("Tracing: one line per span (--trace)");
    expect(stdout.match(/\[done · /g)).toHaveLength(2);
    const lines = traceLines(stderr);
    expect(lines.map((line) => line.replace(/ {2}\d.*$/, ""))).toEqual([
      "chat chain",
      "  attempt sim-llama",
      "chat chain",
      "  attempt sim-llama",
    ]);
    expect(lines[0]).toMatch(/ollama\/sim-llama {2}success {2}finish=stop .*attempts=1$/);
  });

  it("the built CLI: serve --trace traces the chain and a member addressed by its model", async () => {
    const served = await startServe(["--sim", "--trace"]);
    closers.push(() => served.stop());
    for (const model of ["default", "sim-gpt"]) {
      const res = await send(`${served.url}/v1/chat/completions`, "POST", {
        model,
        messages: [{ role: "user", content: "ping" }],
      });
      expect(res.status).toBe(200);
    }
    expect(await served.stop()).toBe(0);
    const lines = traceLines(served.stderr()).map((line) => line.replace(/ {2}\d.*$/, ""));
    expect(lines).toEqual(["chat chain", "  attempt sim-llama", "chat sim-gpt"]);
    expect(traceLines(served.stderr())[2]).toMatch(
      /openai\/sim-gpt {2}@127\.0\.0\.1:\d+ {2}success/,
    );
  });
});

describe("OTLP: spans sent when OTEL_EXPORTER_OTLP_ENDPOINT is set", () => {
  it("posts OTLP/HTTP JSON to /v1/traces: service x-demo, the request span and its attempts", async () => {
    const collector = await startCollector();
    closers.push(collector.close);
    const { code, stdout, stderr } = await runCli(["scenario", "--fault", "refuse"], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("All scenarios passed: 1/1");
    // Sent before the process exited: the provider's shutdown flushed the batch.
    expect(collector.received.length).toBeGreaterThan(0);
    for (const request of collector.received) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe("/v1/traces");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.body.length).toBeGreaterThan(0);
      // The simulators' key never leaves the process.
      expect(request.body.toString("latin1")).not.toContain("sk-sim");
    }
    const { spans, services } = parseOtlp(collector.received);
    expect(new Set(services)).toEqual(new Set(["x-demo"]));
    const request = spans.find((span) => span.name === "chat chain");
    expect(request, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    const attempts = spans
      .filter((span) => span.parentSpanId === request!.spanId)
      .map((span) => span.name);
    expect(attempts.sort()).toEqual(["attempt sim-gpt", "attempt sim-llama"]);
    const provider = request!.attributes.find((a) => a.key === "gen_ai.provider.name");
    expect(provider?.value).toEqual({ stringValue: "openai" });
  });

  it("says once, in one line, when the endpoint cannot be reached, and still exits 0", async () => {
    const collector = await startCollector();
    const gone = collector.url;
    await collector.close(); // nothing listens there now: connection refused
    const { code, stdout, stderr } = await runCli(["scenario", "--fault", "refuse"], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: gone, OTEL_EXPORTER_OTLP_TIMEOUT: "300" },
    });
    expect(code).toBe(0);
    expect(stdout).toContain("All scenarios passed: 1/1");
    expect(stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^x-demo: could not send spans over OTLP \(.*ECONNREFUSED.*\); later/),
    ]);
  });

  it("is off without an endpoint, and when the SDK or the traces exporter is turned off", () => {
    expect(otlpRequested({})).toBe(false);
    expect(otlpRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toBe(true);
    expect(otlpRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toBe(
      true,
    );
    expect(
      otlpRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }),
    ).toBe(false);
    expect(
      otlpRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }),
    ).toBe(false);
  });
});
