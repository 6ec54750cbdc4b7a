// The web chat: sends the conversation to /api/chat, reads the answer as server-sent events
// (chunks, chain events, tool results), keeps the conversation in localStorage, and polls
// /api/chain for the side panel.
import {
  answerText,
  applyChainEvent,
  applyChunk,
  applyToolResult,
  assistantTurn,
  finishTurn,
  load,
  save,
  toApiMessages,
  userTurn,
  withoutLastAnswer,
} from "./conversation.js";
import { renderPanel, renderTurn } from "./render.js";
import { readEvents } from "./sse.js";

const $ = (id) => document.getElementById(id);
const app = document.querySelector(".app");
const pane = $("messages");
const thread = $("thread");
const empty = $("empty");
const form = $("composer");
const input = $("input");
const sendButton = $("send");
const stopButton = $("stop");
const think = $("opt-think");
const tools = $("opt-tools");

let turns = load(localStorage);
let controller; // set while an answer streams
let frame = 0;
const openThinking = new Set();

function context(index) {
  return { index, last: index === turns.length - 1, busy: controller !== undefined, openThinking };
}

function nearBottom() {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 60;
}

function renderAll() {
  thread.replaceChildren(...turns.map((turn, index) => renderTurn(turn, context(index))));
  empty.hidden = turns.length > 0;
  pane.scrollTop = pane.scrollHeight;
}

/** Re-renders the streaming answer once per frame, following it down if the reader is at the bottom. */
function renderLater() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const index = turns.length - 1;
    const node = thread.lastElementChild;
    if (!node || node.dataset.index !== String(index)) return;
    const stick = nearBottom();
    node.replaceWith(renderTurn(turns[index], context(index)));
    if (stick) pane.scrollTop = pane.scrollHeight;
    save(localStorage, turns);
  });
}

function setBusy(busy) {
  sendButton.hidden = busy;
  stopButton.hidden = !busy;
}

function describeError(payload) {
  if (payload?.attempts?.length) {
    const tried = payload.attempts
      .map((a) => `${a.adapter.provider}/${a.adapter.model}: ${a.error?.message ?? "failed"}`)
      .join("; ");
    return `${payload.message} (${tried})`;
  }
  return payload?.message ?? String(payload);
}

async function ask() {
  const messages = toApiMessages(turns);
  const turn = assistantTurn();
  turns.push(turn);
  const request = new AbortController();
  controller = request;
  setBusy(true);
  renderAll();
  save(localStorage, turns);
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages, think: think.checked, tools: tools.checked }),
      signal: request.signal,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => undefined);
      throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    }
    for await (const { event, data } of readEvents(response.body)) {
      const payload = JSON.parse(data);
      if (event === "chain") applyChainEvent(turn, payload);
      else if (event === "tool") applyToolResult(turn, payload);
      else if (event === "error") finishTurn(turn, "error", describeError(payload));
      else applyChunk(turn, payload);
      renderLater();
    }
    if (turn.status === "streaming") {
      if (turn.served) finishTurn(turn, "done");
      else finishTurn(turn, "error", "the answer ended before it was complete");
    }
  } catch (error) {
    if (request.signal.aborted) finishTurn(turn, "stopped");
    else finishTurn(turn, "error", error instanceof Error ? error.message : String(error));
  } finally {
    controller = undefined;
    setBusy(false);
    save(localStorage, turns);
    renderAll();
    input.focus();
  }
}

function send() {
  const text = input.value.trim();
  if (!text || controller) return;
  turns.push(userTurn(text));
  input.value = "";
  fitInput();
  ask();
}

function stop() {
  controller?.abort();
}

function fitInput() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight + 2, 200)}px`;
}

async function copy(text, target) {
  const before = target.textContent;
  try {
    await navigator.clipboard.writeText(text);
    target.textContent = "Copied";
  } catch {
    target.textContent = "Copy failed";
  }
  setTimeout(() => {
    target.textContent = before;
  }, 1200);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  } else if (event.key === "Escape" && controller) {
    stop();
  }
});
input.addEventListener("input", fitInput);
stopButton.addEventListener("click", stop);
$("new-chat").addEventListener("click", () => {
  stop();
  turns = [];
  openThinking.clear();
  save(localStorage, turns);
  renderAll();
  input.focus();
});
$("toggle-panel").addEventListener("click", (event) => {
  const narrow = matchMedia("(max-width: 820px)").matches;
  const shown = narrow
    ? app.classList.toggle("panel-shown")
    : !app.classList.toggle("panel-hidden");
  event.currentTarget.setAttribute("aria-expanded", String(shown));
});
thread.addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  if (!target) return;
  const index = Number(target.closest(".msg")?.dataset.index);
  const turn = turns[index];
  if (!turn) return;
  if (target.dataset.action === "copy") copy(answerText(turn), target);
  if (target.dataset.action === "regenerate" && !controller && index === turns.length - 1) {
    turns = withoutLastAnswer(turns);
    ask();
  }
});
thread.addEventListener(
  "toggle",
  (event) => {
    const key = event.target.dataset?.key;
    if (!key) return;
    if (event.target.open) openThinking.add(key);
    else openThinking.delete(key);
  },
  true,
);

// The side panel: members' health, breakers and faults, polled once a second.
const members = $("members");
const chainMode = $("chain-mode");
let pollTimer;

function showStatus(status) {
  chainMode.textContent =
    status.mode === "chain"
      ? "Members in fallback order; the breaker skips a member that keeps failing. A pool lists its replicas, each with its own breaker."
      : "One adapter, used directly (no chain).";
  members.replaceChildren(renderPanel(status));
}

async function poll() {
  clearTimeout(pollTimer);
  try {
    const response = await fetch("/api/chain", { cache: "no-store" });
    if (response.ok) showStatus(await response.json());
  } catch {
    // The server is restarting or gone; the next poll tries again.
  }
  pollTimer = setTimeout(poll, 1000);
}

members.addEventListener("click", async (event) => {
  const target = event.target.closest("button[data-fault]");
  if (!target) return;
  const response = await fetch("/api/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      member: Number(target.dataset.member),
      fault: target.dataset.fault,
      ...(target.dataset.replica === undefined ? {} : { replica: Number(target.dataset.replica) }),
    }),
  });
  if (response.ok) showStatus(await response.json());
});

fetch("/api/info")
  .then((response) => response.json())
  .then((info) => {
    $("info").textContent = info.description;
  })
  .catch(() => {});

renderAll();
poll();
input.focus();
