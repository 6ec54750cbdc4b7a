import { readdirSync, readFileSync } from "node:fs";
import type { StreamChunk } from "@x/core";
import { SseDecoder, type SseEvent, StreamOutput } from "@x/core/http";
import { describe, expect, it } from "vitest";
import { OpenAIFrameMapper } from "./map-openai-frame.js";

const DIR = new URL("./__fixtures__/", import.meta.url);
const FIXTURES = readdirSync(DIR).filter((name) => name.endsWith(".sse"));

/** Decodes `pieces` like the adapter does; returns chunks (without raw/timings) or the error. */
function decode(pieces: Uint8Array[]): { chunks: unknown[]; error?: string } {
  const decoder = new SseDecoder({
    onField: (name, data) => (name === "error" ? { data, event: "error" } : undefined),
  });
  const output = new StreamOutput();
  const mapper = new OpenAIFrameMapper({ provider: "openai", model: "m", secrets: [] }, output);
  const chunks: StreamChunk[] = [];
  const strip = (c: StreamChunk) => {
    if (c.type === "done")
      return { type: c.type, finishReason: c.finishReason, model: c.model, usage: c.usage };
    const { raw: _raw, ...rest } = c as StreamChunk & { raw?: unknown };
    return rest;
  };
  /** Maps one read and "yields" its chunks; true when the stream ends. */
  const handle = (events: SseEvent[], end: boolean): boolean => {
    const read = mapper.mapRead(events, end);
    for (const chunk of read.chunks) {
      output.add(chunk, 0);
      chunks.push(chunk);
    }
    if (read.error !== undefined) throw read.error;
    return read.done;
  };
  try {
    let done = false;
    for (const piece of pieces) {
      done = handle(decoder.push(piece), false);
      if (done) break;
    }
    if (!done) handle(decoder.end(), true);
    chunks.push(mapper.done());
    return { chunks: chunks.map(strip) };
  } catch (error) {
    return { chunks: chunks.map(strip), error: (error as Error).name };
  }
}

/** mulberry32: a seeded PRNG so a failing cut can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cut(bytes: Buffer, next: () => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * 9);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

describe("any re-cut of a fixture's bytes yields the same chunks", () => {
  it.each(FIXTURES)("%s", (name) => {
    const bytes = readFileSync(new URL(name, DIR));
    const whole = decode([bytes]);
    expect(whole.chunks.length + (whole.error ? 1 : 0)).toBeGreaterThan(0);
    const everyByte = [...bytes].map((b) => Uint8Array.of(b));
    expect(decode(everyByte)).toEqual(whole);
    for (let seed = 1; seed <= 20; seed++) expect(decode(cut(bytes, random(seed)))).toEqual(whole);
  });
});
