import { describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../src/index.js";

describe("close()", () => {
  it("can be called twice (a chain may close a member the caller already closed)", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: "k",
      model: "m",
    });
    await adapter.close();
    await expect(adapter.close()).resolves.toBeUndefined();
  });
});
