import { readdirSync, readFileSync } from "node:fs";
import type { StreamChunk } from "@x/core";
import { SseDecoder, type SseEvent } from "@x/core/http";
import { describe, expect, it } from "vitest";
import { OpenAIFrameMapper } from "./map-openai-frame.js";

const DIR = new URL("./__fixtures__/", import.meta.url);
const FIXTURES = readdirSync(DIR).filter((name) => name.endsWith(".sse"));

/** Decodes `pieces` like the adapter does; returns chunks (without raw/timings) or the error. */
function decode(pieces: Uint8Array[]): { chunks: unknown[]; error?: string } {
  const decoder = new SseDecoder({
    onField: (name, data) => (name === "error" ? { data, event: "error" } : undefined),
  });
  const mapper = new OpenAIFrameMapper({ provider: "openai", model: "m", secrets: [] });
  const chunks: StreamChunk[] = [];
  const out: StreamChunk[] = [];
  const strip = (c: StreamChunk) => {
    if (c.type === "done")
      return { type: c.type, finishReason: c.finishReason, model: c.model, usage: c.usage };
    const { raw: _raw, ...rest } = c as StreamChunk & { raw?: unknown };
    return rest;
  };
  try {
    let done = false;
    const handle = (events: SseEvent[]) => {
      for (const event of events) {
        if (done) return;
        done = mapper.map(event, out) === "done";
        chunks.push(...out);
        out.length = 0;
      }
    };
    for (const piece of pieces) {
      handle(decoder.push(piece));
      if (done) break;
    }
    if (!done) handle(decoder.end());
    if (done || mapper.finished) {
      mapper.end(out);
      chunks.push(...out, mapper.done({ startedAt: 0, firstAt: 0, lastAt: 0, generated: 0 }));
    }
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
