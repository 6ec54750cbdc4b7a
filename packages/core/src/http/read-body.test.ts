import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { readBody } from "./read-body.js";

async function* chunks(parts: Uint8Array[]) {
  for (const part of parts) yield part;
}

describe("readBody", () => {
  it("decodes a character split across reads", async () => {
    const bytes = new TextEncoder().encode("héllo €");
    const body = chunks([bytes.subarray(0, 2), bytes.subarray(2, 7), bytes.subarray(7)]);
    expect(await readBody(body, 1024)).toEqual({ text: "héllo €", truncated: false });
  });

  it("cuts at maxBytes, says so and destroys the body", async () => {
    let destroyed = false;
    const body = Object.assign(chunks([new Uint8Array(10).fill(97), new Uint8Array(10).fill(98)]), {
      destroy: () => {
        destroyed = true;
      },
    });
    const result = await readBody(body, 15);
    expect(result).toEqual({ text: "aaaaaaaaaabbbbb", truncated: true });
    expect(destroyed).toBe(true);
  });

  it("is a real bound on a server that never stops sending", async () => {
    let written = 0;
    const server = createServer((_req, res) => {
      const block = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (written < 256 * 1024 * 1024) {
          written += block.length;
          if (!res.write(block)) return res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const response = await request(`http://127.0.0.1:${port}/`);
      const result = await readBody(response.body, 1024 * 1024);
      expect(result.truncated).toBe(true);
      expect(result.text.length).toBe(1024 * 1024);
      // Back-pressure: the server got no further than the socket buffers allow.
      expect(written).toBeLessThan(32 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
