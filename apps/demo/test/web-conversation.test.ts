import { describe, expect, it } from "vitest";
import { type ConversationModule, pageModule, type Turn } from "./browser/page-modules.js";

const c = await pageModule<ConversationModule>("conversation.js");

/** A Storage stand-in (the page uses only getItem and setItem). */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

function answered(text: string): Turn {
  const turn = c.assistantTurn();
  c.applyChunk(turn, { type: "content", content: text });
  c.applyChunk(turn, { type: "done", provider: "p", model: "m", finishReason: "stop" });
  c.finishTurn(turn, "done");
  return turn;
}

describe("the page's conversation", () => {
  it("keeps a stopped answer as an assistant message, so the next question follows it", () => {
    const stopped = c.assistantTurn();
    c.applyChunk(stopped, { type: "thinking", thinking: "hmm" });
    c.applyChunk(stopped, { type: "content", content: "Once upon" });
    c.finishTurn(stopped, "stopped");
    const turns = [
      c.userTurn("hi"),
      answered("Hello."),
      c.userTurn("tell me a long story"),
      stopped,
      c.userTurn("shorter please"),
    ];
    expect(c.toApiMessages(turns)).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "tell me a long story" },
      { role: "assistant", content: "Once upon" },
      { role: "user", content: "shorter please" },
    ]);
  });

  it("leaves a failed answer and its question out of what is sent next", () => {
    const failed = c.assistantTurn();
    c.applyChunk(failed, { type: "content", content: "Half an" });
    c.finishTurn(failed, "error", "AllAdaptersFailedError: every member failed");
    const turns = [c.userTurn("a"), answered("A."), c.userTurn("b"), failed, c.userTurn("c")];
    expect(c.toApiMessages(turns)).toEqual([
      { role: "user", content: "a" },
      { role: "assistant", content: "A." },
      { role: "user", content: "c" },
    ]);
    // Regenerate asks the failed question again.
    expect(c.toApiMessages(c.withoutLastAnswer(turns.slice(0, 4))).at(-1)).toEqual({
      role: "user",
      content: "b",
    });
  });

  it("sends an empty assistant message for an answer stopped before its first word", () => {
    const stopped = c.assistantTurn();
    c.finishTurn(stopped, "stopped");
    const messages = c.toApiMessages([c.userTurn("a"), stopped, c.userTurn("b")]);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]).toEqual({ role: "assistant", content: "" });
    // Saved data from elsewhere with two user turns in a row is made to alternate too.
    expect(c.toApiMessages([c.userTurn("a"), c.userTurn("b")]).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
    ]);
  });

  it("keeps the text a reset abandoned apart from the answer", () => {
    const turn = c.assistantTurn();
    c.applyChunk(turn, { type: "content", content: "Hello from the Ollama" });
    c.applyChunk(turn, { type: "reset", reason: "ProtocolError: truncated", provider: "openai" });
    c.applyChunk(turn, { type: "content", content: "Hello from OpenAI." });
    c.applyChunk(turn, { type: "done", provider: "openai", model: "g", finishReason: "stop" });
    expect(c.answerText(turn)).toBe("Hello from OpenAI.");
    const [round] = turn.rounds as { abandoned: unknown[] }[];
    expect(round?.abandoned).toEqual([
      {
        content: "Hello from the Ollama",
        thinking: "",
        toolCalls: [],
        reason: "ProtocolError: truncated",
        provider: "openai",
      },
    ]);
    expect(c.toApiMessages([c.userTurn("q"), turn])[1]).toEqual({
      role: "assistant",
      content: "Hello from OpenAI.",
    });
  });

  it("sends tool calls with their results, and leaves out a call Stop cut off", () => {
    const turn = c.assistantTurn();
    const call = { id: "c1", name: "get_weather", arguments: { city: "Oslo" } };
    c.applyChunk(turn, { type: "tool_calls", toolCalls: [call] });
    c.applyChunk(turn, { type: "done", provider: "p", model: "m", finishReason: "tool_calls" });
    c.applyToolResult(turn, { id: "c1", name: "get_weather", content: '{"temp_c":12}' });
    c.applyChunk(turn, { type: "content", content: "It is 12 °C." });
    c.applyChunk(turn, { type: "done", provider: "p", model: "m", finishReason: "stop" });
    expect(c.toApiMessages([c.userTurn("weather?"), turn])).toEqual([
      { role: "user", content: "weather?" },
      { role: "assistant", content: "", toolCalls: [call] },
      { role: "tool", content: '{"temp_c":12}', toolCallId: "c1", name: "get_weather" },
      { role: "assistant", content: "It is 12 °C." },
    ]);

    const cut = c.assistantTurn();
    c.applyChunk(cut, { type: "tool_calls", toolCalls: [call] });
    c.finishTurn(cut, "stopped");
    expect(c.toApiMessages([c.userTurn("weather?"), cut])[1]).toEqual({
      role: "assistant",
      content: "",
    });
  });

  it("survives a reload; an answer cut off by the reload comes back stopped", () => {
    const storage = memoryStorage();
    const streaming = c.assistantTurn();
    c.applyChunk(streaming, { type: "content", content: "partial" });
    c.save(storage, [c.userTurn("q"), streaming]);
    const loaded = c.load(storage);
    expect(loaded).toHaveLength(2);
    expect(loaded[1]?.status).toBe("stopped");
    expect(c.answerText(loaded[1] as Turn)).toBe("partial");
    storage.setItem(c.STORAGE_KEY, "{not json");
    expect(c.load(storage)).toEqual([]);
    expect(c.withoutLastAnswer([c.userTurn("q"), answered("a")])).toEqual([c.userTurn("q")]);
  });

  it("turns chain events into a trail of attempts", () => {
    const error = { name: "ProtocolError", message: "stream ended early", code: "protocol_error" };
    const rows = c.trailRows([
      { type: "attempt", member: 0, label: "ollama/a", attempt: 1, hedged: false },
      { type: "failure", member: 0, label: "ollama/a", stage: "mid-stream", durationMs: 40, error },
      { type: "fallback", member: 0, label: "ollama/a", afterCommit: true },
      { type: "attempt", member: 1, label: "openai/b", attempt: 2, hedged: false },
      { type: "success", member: 1, label: "openai/b", durationMs: 300, attempts: 2 },
      { type: "breaker-open", member: 0, label: "ollama/a", failures: 3, cooldownMs: 15000 },
    ]);
    expect(rows).toEqual([
      {
        kind: "attempt",
        member: 0,
        label: "ollama/a",
        state: "failed",
        hedged: false,
        stage: "mid-stream",
        durationMs: 40,
        error,
        fellBack: "after output was shown",
      },
      {
        kind: "attempt",
        member: 1,
        label: "openai/b",
        state: "served",
        hedged: false,
        durationMs: 300,
      },
      {
        kind: "note",
        type: "breaker-open",
        text: "breaker opened for ollama/a after 3 failures (15 s)",
      },
    ]);
  });

  it("shows a pool's replica events as rows of their own: which replica failed, which served", () => {
    const error = { name: "ServerError", message: "ollama 503: busy", code: "server_error" };
    const rows = c.trailRows([
      { type: "attempt", member: 0, label: "pool/m", attempt: 1, hedged: false },
      {
        type: "failure",
        member: 0,
        replica: 0,
        label: "ollama/m",
        target: "http://gpu-1:11434",
        stage: "connect",
        durationMs: 3,
        error,
      },
      {
        type: "replica-served",
        member: 0,
        replica: 1,
        label: "ollama/m",
        target: "http://gpu-2:11434",
        rank: 2,
      },
      { type: "success", member: 0, label: "pool/m", durationMs: 90, attempts: 1 },
    ]);
    expect(rows).toEqual([
      {
        kind: "attempt",
        member: 0,
        label: "pool/m",
        state: "served",
        hedged: false,
        durationMs: 90,
      },
      {
        kind: "replica",
        type: "failure",
        text: "replica 1 of ollama/m (http://gpu-1:11434) failed at connect after 3 ms: ServerError: ollama 503: busy",
      },
      {
        kind: "replica",
        type: "replica-served",
        text: "replica 2 of ollama/m (http://gpu-2:11434) served (the pool's choice 2)",
      },
    ]);
  });
});
