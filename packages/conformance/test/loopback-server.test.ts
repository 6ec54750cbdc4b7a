import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { cutPieces, LoopbackServer } from "../src/core.js";

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FRAMES = ['{"t":"🌍"}\n', '{"t":"你好"}\n'];

describe("LoopbackServer", () => {
  it("cuts one byte per piece, splitting every multi-byte character", () => {
    const pieces = cutPieces(FRAMES, { mode: "bytes" });
    expect(pieces.every((p) => p.length === 1)).toBe(true);
    expect(Buffer.concat(pieces).toString("utf8")).toBe(FRAMES.join(""));
    const random = cutPieces(FRAMES, { mode: "random", seed: 3 });
    expect(Buffer.concat(random).toString("utf8")).toBe(FRAMES.join(""));
    expect(random.length).toBeGreaterThan(2);
  });

  it("delivers byte pieces as separate reads and records the request", async () => {
    server = await LoopbackServer.start();
    server.route("/s", {
      kind: "stream",
      stream: { status: 200, headers: {}, frames: FRAMES, terminalFrames: 1 },
      delivery: { mode: "bytes" },
    });
    const response = await request(`${server.origin}/s?x=1`, {
      method: "POST",
      body: "hi",
      headers: { authorization: "Bearer k" },
    });
    const reads: Buffer[] = [];
    for await (const chunk of response.body) reads.push(chunk as Buffer);
    expect(Buffer.concat(reads).toString("utf8")).toBe(FRAMES.join(""));
    // Most reads are single bytes: at least one multi-byte character arrived split.
    expect(reads.length).toBeGreaterThan(10);
    const [recorded] = server.requestsTo("/s");
    expect(recorded).toMatchObject({ method: "POST", path: "/s?x=1", body: "hi" });
    expect(recorded?.headers.authorization).toBe("Bearer k");
  });

  it("sees the client close its socket, and reports a socket still open", async () => {
    server = await LoopbackServer.start({ "/hang": { kind: "hang" } });
    const controller = new AbortController();
    const pending = request(`${server.origin}/hang`, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    const recorded = await server.nextRequest("/hang");
    expect(await server.socketClosed(recorded.socketId, 50)).toBe(false);
    controller.abort();
    await pending;
    expect(await server.socketClosed(recorded.socketId, 1_000)).toBe(true);
  });

  it("refuses connections on refusedOrigin() and resets on demand", async () => {
    const refused = await LoopbackServer.refusedOrigin();
    await expect(request(refused)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    server = await LoopbackServer.start({ "/reset": { kind: "reset" } });
    await expect(request(`${server.origin}/reset`)).rejects.toThrow();
  });
});

describe("LoopbackServer faults", () => {
  it("cuts the body after N bytes and resets, recording when the socket closed", async () => {
    server = await LoopbackServer.start();
    server.route("/cut", {
      kind: "stream",
      stream: { status: 200, headers: {}, frames: FRAMES, terminalFrames: 1 },
      cutAfterBytes: 5,
      after: "reset",
    });
    const response = await request(`${server.origin}/cut`);
    const reads: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of response.body) reads.push(chunk as Buffer);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(Buffer.concat(reads).length).toBeLessThanOrEqual(5);
    const [recorded] = server.requestsTo("/cut");
    expect(await server.socketClosed(recorded!.socketId, 1_000)).toBe(true);
    expect(server.socketClosedAt(recorded!.socketId)).toBeTypeOf("number");
  });
});
