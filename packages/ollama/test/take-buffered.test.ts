import { getTakeBuffered, type StreamChunk } from "@x/core";
import { drainPreferringTakeBuffered } from "@x/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import { type Loopback, serveNdjson, startServer } from "./loopback-server.js";

let server: Loopback;
let fixtureName = "t1-plain.ndjson";

beforeAll(async () => {
  server = await startServer((_req, res) => serveNdjson(res, fixtureName));
});
afterAll(async () => {
  await server.close();
});

const hi = [{ role: "user" as const, content: "hi" }];

async function viaNext(stream: AsyncIterable<StreamChunk>) {
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined as unknown };
  } catch (error) {
    return { chunks, error };
  }
}

/** Measured figures differ between two runs; everything else must be identical. */
const untimed = (chunks: StreamChunk[]) =>
  chunks.map((c) => (c.type === "done" ? { ...c, timings: undefined } : c));

describe("takeBuffered (the synchronous fast path @x/core defines)", () => {
  it.each([
    "t1-plain.ndjson",
    "t2-thinking.ndjson",
    "t3-tool-call-intermediate.ndjson",
    "t6-mid-stream-error.ndjson",
    "t10-truncated.ndjson",
  ])("%s: the same chunks (and error) as next() alone", async (name) => {
    fixtureName = name;
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const expected = await viaNext(adapter.stream(hi));
    const stream = adapter.stream(hi);
    expect(getTakeBuffered(stream)!.call(stream)).toBeUndefined(); // nothing sent yet
    const got = await drainPreferringTakeBuffered(stream);
    expect(untimed(got.chunks)).toEqual(untimed(expected.chunks));
    expect(String(got.error)).toBe(String(expected.error));
    // The first chunk of a read comes through next(); later ones of the same read are taken.
    if (expected.chunks.length > 2) expect(got.taken).toBeGreaterThan(0);
    await adapter.close();
  });
});
