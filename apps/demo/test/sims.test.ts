import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { startOllamaSim } from "../src/sim/ollama-sim.js";
import { startOpenAISim } from "../src/sim/openai-sim.js";
import { send, sseEvents } from "./http-client.js";

const question = { messages: [{ role: "user", content: "Say hi" }] };

/** Posts and resolves what arrived before the socket ended or failed. */
function postRaw(
  url: string,
  body: unknown,
): Promise<{ status?: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    let text = "";
    let status: number | undefined;
    const req = request(url, { method: "POST", agent: false }, (res) => {
      status = res.statusCode;
      res.setEncoding("utf8");
      res.on("data", (part: string) => {
        text += part;
      });
      res.on("end", () => resolve({ ...(status ? { status } : {}), text }));
      res.on("error", (error) =>
        resolve({ ...(status ? { status } : {}), text, error: error.message }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ text, error: error.code ?? error.message }),
    );
    req.end(JSON.stringify(body));
  });
}

describe("Ollama simulator", () => {
  it("streams NDJSON frames ending with a done frame carrying counts", async () => {
    const sim = await startOllamaSim({ model: "m" });
    try {
      const res = await send(`${sim.url}/api/chat`, "POST", {
        model: "m",
        ...question,
        think: true,
      });
      expect(res.headers["content-type"]).toBe("application/x-ndjson");
      const frames = res.text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line));
      const last = frames.at(-1);
      expect(last).toMatchObject({ done: true, done_reason: "stop", model: "m" });
      expect(last.eval_count).toBe(frames.length - 1);
      expect(frames.some((frame) => frame.message.thinking)).toBe(true);
      const text = frames.map((frame) => frame.message.content).join("");
      expect(text).toContain('You said: "Say hi"');
      expect((await send(`${sim.url}/api/version`, "GET")).status).toBe(200);
      expect(JSON.parse((await send(`${sim.url}/api/tags`, "GET")).text).models[0].name).toBe("m");
    } finally {
      await sim.close();
    }
  });

  it("refuses connections with fault refuse", async () => {
    const sim = await startOllamaSim({ fault: "refuse" });
    const result = await postRaw(`${sim.url}/api/chat`, question);
    expect(result.error).toBe("ECONNREFUSED");
  });

  it("drops the connection mid-stream with fault die-mid-stream", async () => {
    const sim = await startOllamaSim({ fault: "die-mid-stream", dieAfterFrames: 2 });
    try {
      const result = await postRaw(`${sim.url}/api/chat`, question);
      expect(result.status).toBe(200);
      expect(result.error).toBeDefined();
      const lines = result.text.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines.some((line) => line.includes('"done":true'))).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it("sends nothing with fault hang, and close() ends the hanging request", async () => {
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const sim = await startOllamaSim({ fault: "hang", onChatRequest: () => arrived() });
    const pending = postRaw(`${sim.url}/api/chat`, question);
    await reached;
    // /api/version still answers while /api/chat hangs.
    expect((await send(`${sim.url}/api/version`, "GET")).status).toBe(200);
    await sim.close();
    const result = await pending;
    expect(result.status).toBeUndefined();
    expect(result.error).toBeDefined();
  });
});

describe("OpenAI simulator", () => {
  it("streams chat.completion.chunk events, a usage chunk and [DONE]", async () => {
    const sim = await startOpenAISim({ apiKey: "sk-test" });
    try {
      const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          `${sim.url}/v1/chat/completions`,
          { method: "POST", agent: false, headers: { authorization: "Bearer sk-test" } },
          (r) => {
            let text = "";
            r.setEncoding("utf8");
            r.on("data", (part: string) => {
              text += part;
            });
            r.on("end", () => resolve({ status: r.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
        req.end(
          JSON.stringify({
            model: "g",
            ...question,
            stream: true,
            stream_options: { include_usage: true },
          }),
        );
      });
      expect(res.status).toBe(200);
      const events = sseEvents(res.text);
      expect(events.at(-1)?.data).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
      expect(chunks.at(-1).choices).toEqual([]);
      expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toContain(
        "OpenAI simulator",
      );
    } finally {
      await sim.close();
    }
  });

  it("rejects a missing key with 401 and lists models", async () => {
    const sim = await startOpenAISim({ apiKey: "sk-test", model: "g" });
    try {
      const res = await send(`${sim.url}/v1/chat/completions`, "POST", {
        ...question,
        stream: true,
      });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).error.type).toBe("invalid_request_error");
    } finally {
      await sim.close();
    }
    const open = await startOpenAISim({ model: "g" });
    try {
      expect(JSON.parse((await send(`${open.url}/v1/models`, "GET")).text).data[0].id).toBe("g");
    } finally {
      await open.close();
    }
  });
});

describe("simulated answers", () => {
  it("answer a question about code with Markdown and a fenced code block", async () => {
    const sim = await startOllamaSim({ model: "m" });
    try {
      const res = await send(`${sim.url}/api/chat`, "POST", {
        model: "m",
        messages: [{ role: "user", content: "show me some code" }],
      });
      const text = res.text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).message.content)
        .join("");
      expect(text).toContain("**Ollama simulator**");
      expect(text).toMatch(/\n```js\nconst answer = 6 \* 7;\nconsole\.log\(.*\);\n```\n/);
      expect(text).not.toContain("You said");
    } finally {
      await sim.close();
    }
  });
});
