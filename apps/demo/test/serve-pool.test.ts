import { describe, expect, it } from "vitest";
import { startAnthropicSim } from "../src/sim/anthropic-sim.js";
import { startOllamaSim } from "../src/sim/ollama-sim.js";
import { startServe } from "./browser/serve-process.js";
import { gatewayAnswer, send, sseEvents } from "./http-client.js";

/** No real provider from the environment may join the chain under test. */
const CLEAN_ENV = {
  OLLAMA_HOST: undefined,
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  ANTHROPIC_API_KEY: undefined,
  ANTHROPIC_MODEL: undefined,
};

interface ChainEvent {
  type: string;
  member: number;
  replica?: number;
  target?: string;
  label: string;
}

/** One web-chat answer (`POST /api/chat`): who served it and the chain events of its trail. */
async function webAnswer(url: string, content: string) {
  const res = await send(`${url}/api/chat`, "POST", { messages: [{ role: "user", content }] });
  const events = sseEvents(res.text);
  const chunks = events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data));
  return {
    status: res.status,
    done: chunks.find((chunk) => chunk.type === "done"),
    text: chunks
      .filter((chunk) => chunk.type === "content")
      .map((chunk) => chunk.content)
      .join(""),
    trail: events.filter((e) => e.event === "chain").map((e) => JSON.parse(e.data) as ChainEvent),
    errors: events.filter((e) => e.event === "error").map((e) => e.data),
  };
}

describe("serve: Anthropic in the chain", () => {
  it("answers through the gateway and the web chat when Ollama and OpenAI are broken", async () => {
    const served = await startServe(["--sim", "--fault", "refuse,http-503"], CLEAN_ENV);
    try {
      expect((await gatewayAnswer(served.url)).provider).toBe("anthropic");
      const answer = await webAnswer(served.url, "hello Claude");
      expect(answer.errors).toEqual([]);
      expect(answer.done).toMatchObject({ provider: "anthropic", model: "sim-claude" });
      expect(answer.text).toContain('Hello from the Anthropic simulator. You said: "hello Claude"');
      const fallbacks = answer.trail.filter((event) => event.type === "fallback");
      expect(fallbacks.map((event) => event.label)).toEqual(["ollama/sim-llama", "openai/sim-gpt"]);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});

describe("serve: a replica pool (--ollama URL1,URL2)", () => {
  it("serves from the healthy replica when the other fails, and /api/chain lists both", async () => {
    let busyRequests = 0;
    const busy = await startOllamaSim({
      fault: "http-503",
      onChatRequest: () => {
        busyRequests += 1;
      },
    });
    const healthy = await startOllamaSim();
    const claude = await startAnthropicSim({ apiKey: "sk-ant-test" });
    const served = await startServe(
      [
        "--ollama",
        `${busy.url},${healthy.url}`,
        "--anthropic",
        claude.url,
        "--anthropic-key",
        "sk-ant-test",
        "--anthropic-model",
        "sim-claude",
      ],
      CLEAN_ENV,
    );
    try {
      const chain = JSON.parse((await send(`${served.url}/api/chain`, "GET")).text);
      expect(chain.mode).toBe("chain");
      expect(chain.members.map((m: { provider: string }) => m.provider)).toEqual([
        "pool",
        "anthropic",
      ]);
      const [pool] = chain.members;
      expect(pool.fault).toBeNull();
      expect(
        pool.replicas.map((r: { index: number; target: string; fault: string }) => [
          r.index,
          r.target,
          r.fault,
        ]),
      ).toEqual([
        [0, busy.url, "none"],
        [1, healthy.url, "none"],
      ]);

      // Whichever replica the pool asks first, the healthy one serves: when the busy one is
      // asked it fails with 503 and the pool moves on inside the request, with nothing shown.
      for (const n of [1, 2]) {
        const answer = await webAnswer(served.url, `question ${n}`);
        expect(answer.errors).toEqual([]);
        expect(answer.done).toMatchObject({ provider: "ollama", model: "sim-llama" });
        expect(answer.text).toContain(`You said: "question ${n}"`);
        const servedBy = answer.trail.filter((event) => event.type === "replica-served");
        expect(servedBy).toEqual([
          expect.objectContaining({ member: 0, replica: 1, target: healthy.url }),
        ]);
        // The chain itself never fell back: the pool moved on inside the request.
        const chainFallbacks = answer.trail.filter(
          (event) => event.type === "fallback" && event.replica === undefined,
        );
        expect(chainFallbacks).toEqual([]);
      }
      // The busy replica really was in the pool and was asked (and failed, as a replica event).
      expect(busyRequests).toBeGreaterThanOrEqual(1);

      const after = JSON.parse((await send(`${served.url}/api/chain`, "GET")).text);
      const replicas = after.members[0].replicas as { health: string; breaker: string }[];
      expect(replicas.map((r) => r.breaker)).toEqual(["closed", "closed"]);
      const failure = (after.recent as ChainEvent[]).find(
        (event) => event.type === "failure" && event.replica === 0,
      );
      expect(failure?.target).toBe(busy.url);

      // A replica's own fault switch: break the healthy one too, and Anthropic answers.
      const broken = await send(`${served.url}/api/faults`, "POST", {
        member: 0,
        replica: 1,
        fault: "refuse",
      });
      expect(broken.status).toBe(200);
      expect(JSON.parse(broken.text).members[0].replicas[1].fault).toBe("refuse");
      const last = await webAnswer(served.url, "anyone?");
      expect(last.done).toMatchObject({ provider: "anthropic" });
      expect(served.stderr()).toMatch(/replica ollama:sim-llama@http:\/\/127\.0\.0\.1:\d+ served/);
    } finally {
      expect(await served.stop()).toBe(0);
      await Promise.all([busy.close(), healthy.close(), claude.close()]);
    }
  });
});
