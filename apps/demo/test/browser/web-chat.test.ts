import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/http/listen.js";
import { startOllamaSim } from "../../src/sim/ollama-sim.js";
import {
  type ChatCompletionsServer,
  HELD_WORDS,
  startChatCompletionsServer,
} from "./chat-completions-server.js";
import { CHROMIUM } from "./global-setup.js";
import { type ServeProcess, startServe } from "./serve-process.js";

/** Screenshots for the README, rewritten by every run. */
const DOCS = fileURLToPath(new URL("../../docs/", import.meta.url));

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A port nothing listens on, so `--ollama` there is down and the chat runs on `--openai` alone. */
async function refusedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Collects console errors and uncaught page errors. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

async function ask(page: Page, text: string): Promise<void> {
  await page.locator("#input").fill(text);
  await page.locator("#input").press("Enter");
}

let upstream: ChatCompletionsServer | undefined;
let real: ServeProcess | undefined;
let simulated: ServeProcess | undefined;
let pooled: ServeProcess | undefined;
let replicaSims: RunningServer[] = [];
let context: BrowserContext | undefined;
const profile = mkdtempSync(join(tmpdir(), "x-demo-chromium-"));

beforeAll(async () => {
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing (the globalSetup installs it as root: apt-get install -y chromium)`,
  ).toBe(true);
  upstream = await startChatCompletionsServer({ model: "local-llm" });
  const down = await refusedPort();
  replicaSims = await Promise.all([startOllamaSim(), startOllamaSim()]);
  [real, simulated, pooled] = await Promise.all([
    startServe([
      "--ollama",
      `http://127.0.0.1:${down}`,
      "--openai",
      upstream.baseUrl,
      "--model",
      "local-llm",
    ]),
    startServe(["--sim"]),
    // One member: a pool of two Ollama hosts (no other provider from the environment).
    startServe(["--ollama", replicaSims.map((sim) => sim.url).join(",")], {
      OPENAI_API_KEY: undefined,
      OPENAI_BASE_URL: undefined,
      ANTHROPIC_API_KEY: undefined,
    }),
  ]);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 700 },
  });
  mkdirSync(DOCS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await Promise.all([real?.stop(), simulated?.stop(), pooled?.stop()]);
  await Promise.all(replicaSims.map((sim) => sim.close()));
  await upstream?.close();
  rmSync(profile, { recursive: true, force: true });
});

describe("web chat in Chromium", () => {
  it("chats over a local OpenAI-compatible server: streams, renders Markdown, stops, reloads", async () => {
    const page = await (context as BrowserContext).newPage();
    const errors = watchErrors(page);
    const server = upstream as ChatCompletionsServer;
    await page.goto(`${real?.url}/`);
    await page.locator('.member[data-health="up"]', { hasText: "openai/local-llm" }).waitFor();
    expect(await page.locator(".member").count()).toBe(1);

    // Shift+Enter breaks the line; Enter sends.
    await page.locator("#input").fill("line one");
    await page.locator("#input").press("Shift+Enter");
    await page.locator("#input").pressSequentially("line two");
    expect(await page.locator("#input").inputValue()).toBe("line one\nline two");
    expect(await page.locator(".msg").count()).toBe(0);

    await ask(page, "Show me some code, please");
    const answer = page.locator(".msg.assistant").last();
    // Text appears while the answer is still streaming.
    await page
      .locator('.msg.assistant[data-status="streaming"] .content')
      .filter({ hasText: /\S/ })
      .waitFor();
    await page.locator('.msg.assistant[data-status="done"]').waitFor();
    expect(await answer.locator("pre code.language-ts").textContent()).toBe(
      "const total = [1, 2, 3].reduce((sum, n) => sum + n, 0);",
    );
    expect(await answer.locator(".content strong").first().textContent()).toBe("Markdown");
    // The model's HTML is text, not elements.
    expect(await answer.locator("img, b").count()).toBe(0);
    expect(await answer.locator(".content").textContent()).toContain('<img src="x" onerror=');
    expect(await page.title()).toBe("x-demo chat");
    expect(await answer.locator(".served").textContent()).toContain("openai/local-llm");

    // Stop mid-answer: the server holds the story after a few words until the client leaves.
    const held = once(server.events, "held");
    const cancelled = once(server.events, "cancelled");
    await ask(page, "Tell me a long story");
    await held;
    await page.locator(".msg.assistant .content", { hasText: "far away," }).waitFor();
    await page.locator("#stop").click();
    await cancelled; // Stop cancelled the request all the way to the model server
    await page.locator('.msg.assistant[data-status="stopped"] .badge.stopped').waitFor();
    expect(await page.locator("#send").isVisible()).toBe(true);

    // The next question follows the stopped answer, which stays in the conversation.
    await ask(page, "And then?");
    await page.locator('.msg.assistant[data-status="done"]').nth(1).waitFor();
    expect(server.requests.at(-1)).toEqual([
      { role: "user", content: "Show me some code, please" },
      { role: "assistant", content: expect.stringContaining("const total") },
      { role: "user", content: "Tell me a long story" },
      { role: "assistant", content: HELD_WORDS },
      { role: "user", content: "And then?" },
    ]);
    await page.screenshot({ path: join(DOCS, "web-chat.png") });

    // A reload keeps the conversation, stopped answer and rendered code included.
    await page.reload();
    await page.locator('.msg.assistant[data-status="done"]').nth(1).waitFor();
    expect(await page.locator(".msg.user").count()).toBe(3);
    expect(await page.locator(".msg.assistant").count()).toBe(3);
    expect(await page.locator('.msg.assistant[data-status="stopped"] .badge.stopped').count()).toBe(
      1,
    );
    expect(await page.locator(".msg.assistant pre code.language-ts").count()).toBe(1);

    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("a fault button breaks the primary and the chain falls back visibly", async () => {
    const page = await (context as BrowserContext).newPage();
    const errors = watchErrors(page);
    await page.goto(`${simulated?.url}/`);
    await page.locator('.member[data-index="1"][data-health="up"]').waitFor();
    await page.locator('.member[data-index="0"][data-breaker="closed"]').waitFor();

    await page.locator('.member[data-index="0"] button[data-fault="die-mid-stream"]').click();
    await page
      .locator('.member[data-index="0"] button[data-fault="die-mid-stream"][aria-pressed="true"]')
      .waitFor();

    await ask(page, "Hello chain");
    const answer = page.locator('.msg.assistant[data-status="done"]');
    await answer.waitFor();
    // What the primary said before it died is struck through, apart from the answer.
    expect(await answer.locator(".abandoned del").textContent()).toContain("Ollama simulator");
    expect(await answer.locator(".abandoned-label").textContent()).toBe(
      "↺ Abandoned: openai answers again from the start",
    );
    expect(await answer.locator(".abandoned-reason").textContent()).toMatch(/ollama/);
    const content = await answer.locator(".content").textContent();
    expect(content).toContain("Hello from the OpenAI simulator");
    expect(content).not.toContain("Ollama");
    // The trail shows each attempt as it happened.
    expect(await answer.locator(".trail .attempt.failed").textContent()).toMatch(
      /ollama\/sim-llama · mid-stream · \d+ ms.*fell back after output was shown/,
    );
    expect(await answer.locator(".trail .attempt.served").textContent()).toMatch(
      /openai\/sim-gpt · \d+ ms/,
    );
    await page.locator(".recent li", { hasText: "fell back from ollama/sim-llama" }).waitFor();
    await page.locator(".recent li", { hasText: "served by openai/sim-gpt" }).waitFor();
    await page.screenshot({ path: join(DOCS, "web-chat-fallback.png") });

    // Healed, with thinking and tools asked for: a folded thinking block and a tool card.
    await page.locator('.member[data-index="0"] button[data-fault="none"]').click();
    await page
      .locator('.member[data-index="0"] button[data-fault="none"][aria-pressed="true"]')
      .waitFor();
    await page.locator("#opt-think").check();
    await page.locator("#opt-tools").check();
    await ask(page, "What is the weather in Oslo?");
    const tooled = page.locator('.msg.assistant[data-status="done"]').nth(1);
    await tooled.waitFor();
    expect(await tooled.locator(".tool-card .tool-name").textContent()).toBe("🔧 get_weather");
    expect(
      JSON.parse((await tooled.locator(".tool-card .tool-result").textContent()) ?? ""),
    ).toMatchObject({
      city: "Oslo",
    });
    expect(await tooled.locator("details.thinking").first().getAttribute("open")).toBeNull();
    await tooled.locator("details.thinking summary").first().click();
    expect(await tooled.locator("details.thinking .thinking-text").first().textContent()).toContain(
      "The user wrote",
    );
    expect(await tooled.locator(".content").textContent()).toContain("The tool answered");

    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows a pool's replicas in the panel, and which replica served in the trail", async () => {
    const page = await (context as BrowserContext).newPage();
    const errors = watchErrors(page);
    const [first, second] = replicaSims as [RunningServer, RunningServer];
    await page.goto(`${pooled?.url}/`);
    const replicas = page.locator('.member[data-index="0"] .replica');
    await page
      .locator('.member[data-index="0"] .replica[data-index="1"][data-health="up"]')
      .waitFor();
    expect(await replicas.count()).toBe(2);
    expect(await replicas.nth(0).locator(".replica-name").textContent()).toBe(
      `replica 1 · ${first.url}`,
    );
    expect(await replicas.nth(1).locator(".replica-name").textContent()).toBe(
      `replica 2 · ${second.url}`,
    );

    // Replica 1 answers 503 from now on: whichever the pool asks first, replica 2 serves.
    await replicas.nth(0).locator('button[data-fault="http-503"]').click();
    await replicas.nth(0).locator('button[data-fault="http-503"][aria-pressed="true"]').waitFor();
    for (const [n, text] of ["Hello pool", "Hello again"].entries()) {
      await ask(page, text);
      const answer = page.locator('.msg.assistant[data-status="done"]').nth(n);
      await answer.waitFor();
      expect(await answer.locator(".content").textContent()).toContain(
        "Hello from the Ollama simulator",
      );
      const servedBy = await answer.locator(".trail .replica-note.replica-served").textContent();
      expect(servedBy?.startsWith(`⇢ replica 2 of ollama/sim-llama (${second.url}) served`)).toBe(
        true,
      );
    }
    // Over two answers the pool asked replica 1 at least once: its failure is in a trail.
    await page
      .locator(".trail .replica-note.failure", {
        hasText: `replica 1 of ollama/sim-llama (${first.url}) failed at connect`,
      })
      .first()
      .waitFor();
    await page.screenshot({ path: join(DOCS, "web-chat-pool.png") });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
