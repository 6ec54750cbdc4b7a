import { describe, expect, it } from "vitest";
import { CliError, parseCli } from "../src/cli-args.js";

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

  it("reads --trace for every command (off by default)", () => {
    expect(parseCli(["scenario"], false).trace).toBe(false);
    for (const command of ["chat", "serve", "scenario"])
      expect(parseCli([command, "--trace"], false).trace).toBe(true);
  });

  it("validates faults, ports and commands", () => {
    expect(parseCli(["scenario", "--fault", "hang,refuse"], false).faults).toEqual([
      "hang",
      "refuse",
    ]);
    expect(() => parseCli(["scenario", "--fault", "explode"], false)).toThrow(/unknown fault/);
    expect(() => parseCli(["serve", "--port", "99999"], false)).toThrow(/invalid --port/);
    expect(() => parseCli(["dance"], false)).toThrow(/unknown command dance/);
  });

  it("tells unknown or malformed flags in one friendly line", () => {
    const failure = (argv: string[]) => {
      try {
        parseCli(argv, false);
      } catch (error) {
        return error;
      }
      throw new Error(`accepted ${argv.join(" ")}`);
    };
    expect(failure(["chat", "--frobnicate"])).toEqual(new CliError("unknown option --frobnicate"));
    expect(failure(["-x"])).toEqual(new CliError("unknown option -x"));
    expect(failure(["serve", "--port"])).toEqual(new CliError("option --port needs a value"));
    expect(failure(["chat", "--sim=yes"])).toEqual(new CliError("option --sim takes no value"));
    expect(failure(["chat", "extra"])).toEqual(new CliError("unexpected argument extra"));
  });
});
