import { describe, expect, it } from "vitest";
import { parseCli } from "../src/cli-args.js";

describe("parseCli", () => {
  it("defaults to chat on a terminal and to scenario without one", () => {
    expect(parseCli([], true).command).toBe("chat");
    expect(parseCli([], false).command).toBe("scenario");
    expect(parseCli(["serve"], false).command).toBe("serve");
  });

  it("reads provider flags", () => {
    const args = parseCli(
      [
        "chat",
        "--ollama",
        "http://h:1",
        "--openai",
        "http://o/v1",
        "--model",
        "m",
        "--api-key",
        "k",
        "--no-fallback",
      ],
      true,
    );
    expect(args).toMatchObject({
      command: "chat",
      ollama: "http://h:1",
      openai: "http://o/v1",
      model: "m",
      apiKey: "k",
      noFallback: true,
      sim: false,
    });
  });

  it("validates faults, ports and commands", () => {
    expect(parseCli(["scenario", "--fault", "hang,refuse"], false).faults).toEqual([
      "hang",
      "refuse",
    ]);
    expect(() => parseCli(["scenario", "--fault", "explode"], false)).toThrow(/Unknown fault/);
    expect(() => parseCli(["serve", "--port", "99999"], false)).toThrow(/Invalid --port/);
    expect(() => parseCli(["dance"], false)).toThrow(/Unknown command/);
  });
});
