// The conversation as the page keeps it: plain data, saved to localStorage, turned into the
// messages /api/chat receives. No DOM here, so Node tests can run it as it is.
//
// A conversation is a list of turns, alternating user and assistant:
//   { role: "user", content }
//   { role: "assistant", status, rounds, trail, served?, error? }
// status: "streaming" | "done" | "stopped" | "error".
// A round is one model call: { content, thinking, toolCalls: [{ id, name, arguments, result? }],
// abandoned: [{ content, thinking, reason, provider }], done? }. Tool calls start a new round after
// the server ran them. `abandoned` holds what the chain threw away with a `reset` chunk.
//
// The rule after Stop (the terminal chat follows it too): the partial answer stays in the
// conversation as an assistant message marked "stopped"; the next question follows it. So the
// messages sent always alternate user / assistant, and a stopped question is never sent a second
// time. A failed answer (an error, not a Stop) stays on screen, where "regenerate" can ask again,
// but it is not sent, and neither is its question: the model never saw that turn go well.

/** localStorage key. */
export const STORAGE_KEY = "x-demo-chat";
const VERSION = 1;

/** A new user turn. */
export function userTurn(content) {
  return { role: "user", content };
}

/** A new, empty assistant turn, streaming. */
export function assistantTurn() {
  return { role: "assistant", status: "streaming", rounds: [], trail: [] };
}

function openRound(turn) {
  let round = turn.rounds[turn.rounds.length - 1];
  if (!round || round.done) {
    round = { content: "", thinking: "", toolCalls: [], abandoned: [] };
    turn.rounds.push(round);
  }
  return round;
}

/** Applies one StreamChunk from /api/chat to the streaming turn. */
export function applyChunk(turn, chunk) {
  switch (chunk.type) {
    case "content":
      openRound(turn).content += chunk.content;
      break;
    case "thinking":
      openRound(turn).thinking += chunk.thinking;
      break;
    case "tool_calls":
      for (const call of chunk.toolCalls) {
        openRound(turn).toolCalls.push({ id: call.id, name: call.name, arguments: call.arguments });
      }
      break;
    case "reset": {
      // The chain gave up on the member that was answering and restarts on the next one: keep
      // the abandoned output apart (the page strikes it through), never mixed into the answer.
      const round = openRound(turn);
      round.abandoned.push({
        content: round.content,
        thinking: round.thinking,
        toolCalls: round.toolCalls,
        reason: chunk.reason,
        provider: chunk.provider,
      });
      round.content = "";
      round.thinking = "";
      round.toolCalls = [];
      break;
    }
    case "done": {
      openRound(turn).done = true;
      turn.served = {
        provider: chunk.provider,
        model: chunk.model,
        finishReason: chunk.finishReason,
        ...(chunk.usage ? { usage: chunk.usage } : {}),
        ...(typeof chunk.tokensPerSec === "number" ? { tokensPerSec: chunk.tokensPerSec } : {}),
      };
      break;
    }
  }
}

/** Attaches a tool result (`event: tool`) to its call. */
export function applyToolResult(turn, result) {
  for (const round of turn.rounds) {
    const call = round.toolCalls.find((c) => c.id === result.id);
    if (call) call.result = result.content;
  }
}

/** Records a chain event (`event: chain`) in the turn's trail. */
export function applyChainEvent(turn, event) {
  turn.trail.push(event);
}

/** Ends the streaming turn: "done", "stopped" or "error" (with a message). */
export function finishTurn(turn, status, error) {
  turn.status = status;
  if (error !== undefined) turn.error = error;
}

/** The answer's visible text (every round's content), for copying. */
export function answerText(turn) {
  return turn.rounds
    .map((round) => round.content)
    .filter((text) => text !== "")
    .join("\n\n");
}

/**
 * The messages /api/chat receives for `turns`. Every assistant turn is sent, stopped ones with
 * what they had said; a failed turn is left out with its question. Tool calls are sent with their
 * results only (a call the server never ran, because Stop came first, is left out: a tool call
 * without its result is an invalid history for every provider).
 */
export function toApiMessages(turns) {
  const messages = [];
  for (const [index, turn] of turns.entries()) {
    const answer = turns[index + 1];
    if (turn.role === "user" && answer?.role === "assistant" && answer.status === "error") continue;
    if (turn.role === "assistant" && turn.status === "error") continue;
    if (turn.role === "user") {
      // Two user messages in a row cannot come from this page; older data is made to alternate.
      if (messages[messages.length - 1]?.role === "user")
        messages.push({ role: "assistant", content: "" });
      messages.push({ role: "user", content: turn.content });
      continue;
    }
    let sent = false;
    for (const round of turn.rounds) {
      const calls = round.toolCalls.filter((call) => call.result !== undefined);
      if (round.content === "" && calls.length === 0) continue;
      const message = { role: "assistant", content: round.content };
      if (calls.length > 0)
        message.toolCalls = calls.map(({ id, name, arguments: args }) => ({
          id,
          name,
          arguments: args,
        }));
      messages.push(message);
      for (const call of calls)
        messages.push({ role: "tool", content: call.result, toolCallId: call.id, name: call.name });
      sent = true;
    }
    if (!sent) messages.push({ role: "assistant", content: "" });
  }
  return messages;
}

/** The turns to ask again for "regenerate": everything before the last assistant turn. */
export function withoutLastAnswer(turns) {
  const last = turns.length - 1;
  return turns[last]?.role === "assistant" ? turns.slice(0, last) : [...turns];
}

/** Saves the conversation. */
export function save(storage, turns) {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify({ version: VERSION, turns }));
  } catch {
    // Storage full or disabled: the chat still works, it just will not survive a reload.
  }
}

/**
 * Loads the saved conversation (empty when there is none or it is unreadable). A turn that was
 * still streaming when the page went away was cut off by it: it comes back as stopped.
 */
export function load(storage) {
  let saved;
  try {
    saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    return [];
  }
  if (!saved || saved.version !== VERSION || !Array.isArray(saved.turns)) return [];
  return saved.turns
    .filter(isTurn)
    .map((turn) =>
      turn.role === "assistant" && turn.status === "streaming"
        ? { ...turn, status: "stopped" }
        : turn,
    );
}

function isTurn(turn) {
  if (!turn || typeof turn !== "object") return false;
  if (turn.role === "user") return typeof turn.content === "string";
  return turn.role === "assistant" && Array.isArray(turn.rounds) && Array.isArray(turn.trail);
}

/**
 * The trail of one answer for display: one row per attempt (member, state, stage, duration,
 * error), in order, a note row for everything else the chain did (skip, retry, hedge,
 * breaker changes), and a replica row for each event of a pool member's replicas (which one
 * failed, which one served).
 */
export function trailRows(trail) {
  const rows = [];
  const latest = (member) =>
    [...rows].reverse().find((row) => row.kind === "attempt" && row.member === member);
  const running = (member) => {
    const row = latest(member);
    return row?.state === "running" ? row : undefined;
  };
  for (const event of trail) {
    // A pool's own event (one of its replicas failed, or served): a row of its own.
    if (typeof event.replica === "number") {
      rows.push({ kind: "replica", type: event.type, text: describeEvent(event) });
      continue;
    }
    switch (event.type) {
      case "attempt":
        rows.push({
          kind: "attempt",
          member: event.member,
          label: event.label,
          state: "running",
          hedged: event.hedged === true,
        });
        break;
      case "failure": {
        const row = running(event.member);
        if (row) {
          row.state = "failed";
          row.stage = event.stage;
          row.durationMs = event.durationMs;
          row.error = event.error;
        }
        break;
      }
      case "fallback": {
        const row = latest(event.member);
        if (row) row.fellBack = event.afterCommit ? "after output was shown" : "before any output";
        break;
      }
      case "abort": {
        const row = running(event.member);
        if (row) row.state = "cancelled";
        break;
      }
      case "success": {
        const row = running(event.member);
        if (row) {
          row.state = "served";
          row.durationMs = event.durationMs;
        }
        break;
      }
      default:
        rows.push({ kind: "note", type: event.type, text: describeEvent(event) });
    }
  }
  return rows;
}

function ms(value) {
  return `${Math.round(value)} ms`;
}

/** One line for a chain event (the side panel's recent list, the trail's note rows). */
export function describeEvent(event) {
  const error = event.error ? `${event.error.name}: ${event.error.message}` : "";
  if (typeof event.replica === "number" && event.replica >= 0) {
    const replica = `replica ${event.replica + 1} of ${event.label}${event.target ? ` (${event.target})` : ""}`;
    if (event.type === "replica-served")
      return `${replica} served${event.rank > 1 ? ` (the pool's choice ${event.rank})` : ""}`;
    return describeEvent({ ...event, replica: undefined, label: replica });
  }
  switch (event.type) {
    case "attempt":
      return `attempt ${event.attempt}: ${event.label}${event.hedged ? " (hedge)" : ""}`;
    case "failure":
      return `${event.label} failed at ${event.stage} after ${ms(event.durationMs)}: ${error}`;
    case "fallback":
      return `fell back from ${event.label}${event.afterCommit ? " after output was shown" : ""}`;
    case "success":
      return `served by ${event.label} in ${ms(event.durationMs)}`;
    case "retry":
      return `retry ${event.retry} of ${event.label} in ${ms(event.delayMs)} (${error})`;
    case "hedge":
      return `${event.primary} is slow: also asking ${event.label}`;
    case "skip":
      return `skipped ${event.label} (${event.reason === "circuit-open" ? "breaker open" : `lacks ${(event.missing ?? []).join(", ")}`})`;
    case "breaker-open":
      return `breaker opened for ${event.label} after ${event.failures} failures (${Math.round(event.cooldownMs / 1000)} s)`;
    case "breaker-probe":
      return `health probe of ${event.label}: ${event.healthy ? "healthy" : "still failing"} (${ms(event.durationMs)})`;
    case "abort":
      return `cancelled by the caller after ${ms(event.elapsedMs)}`;
    case "breaker-half-open":
      return `breaker half-open for ${event.label}: one trial request`;
    case "breaker-close":
      return `breaker closed for ${event.label}`;
    default:
      return `${event.type} ${event.label ?? ""}`;
  }
}
