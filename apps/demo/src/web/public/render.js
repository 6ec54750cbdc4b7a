// Builds the page's elements from the conversation and the chain status. Every piece of text
// from the model or a server goes in as a text node (Markdown through markdown.js, which builds
// elements itself); nothing here assigns HTML.
import { answerText, describeEvent, trailRows } from "./conversation.js";
import { renderMarkdown } from "./markdown.js";

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function button(label, action, title) {
  const element = el("button", "action", label);
  element.type = "button";
  element.dataset.action = action;
  if (title) element.title = title;
  return element;
}

function ms(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function renderThinking(round, key, openThinking, streaming) {
  const details = el("details", "thinking");
  details.dataset.key = key;
  details.open = openThinking.has(key);
  const label = streaming && round.content === "" ? "Thinking…" : "Thinking";
  details.append(el("summary", "", label), el("div", "thinking-text", round.thinking));
  return details;
}

function renderAbandoned(item) {
  const box = el("div", "abandoned");
  box.append(
    el("div", "abandoned-label", `↺ Abandoned: ${item.provider} answers again from the start`),
    el("div", "abandoned-reason", item.reason),
  );
  const text = [item.thinking, item.content].filter(Boolean).join("\n");
  if (text) box.append(el("del", "abandoned-text", text));
  for (const call of item.toolCalls ?? [])
    box.append(el("del", "abandoned-text", `🔧 ${call.name}`));
  return box;
}

function renderToolCall(call) {
  const card = el("div", "tool-card");
  card.append(
    el("div", "tool-name", `🔧 ${call.name}`),
    el("pre", "tool-args", JSON.stringify(call.arguments, null, 2)),
  );
  card.append(
    call.result === undefined
      ? el("div", "tool-result pending", "running…")
      : el("pre", "tool-result", call.result),
  );
  return card;
}

function renderTrail(turn) {
  const rows = trailRows(turn.trail);
  const list = el("ol", "trail");
  for (const row of rows) {
    if (row.kind === "note") {
      list.append(el("li", `note ${row.type}`, `· ${row.text}`));
      continue;
    }
    if (row.kind === "replica") {
      list.append(el("li", `replica-note ${row.type}`, `⇢ ${row.text}`));
      continue;
    }
    const item = el("li", `attempt ${row.state}`);
    const mark = { served: "✓", failed: "✗", cancelled: "■" }[row.state] ?? "…";
    const parts = [`${mark} ${row.label}${row.hedged ? " (hedge)" : ""}`];
    if (row.state === "cancelled" || (row.state === "running" && turn.status !== "streaming"))
      parts.push("cancelled");
    else if (row.state === "running") parts.push("running");
    if (row.stage) parts.push(row.stage);
    if (row.durationMs !== undefined) parts.push(ms(row.durationMs));
    item.append(el("span", "attempt-head", parts.join(" · ")));
    if (row.error)
      item.append(el("span", "attempt-error", `${row.error.name}: ${row.error.message}`));
    if (row.fellBack) item.append(el("span", "attempt-fallback", `→ fell back ${row.fellBack}`));
    list.append(item);
  }
  return list;
}

function servedLine(served) {
  const parts = [`${served.provider}/${served.model}`, served.finishReason];
  if (served.tokensPerSec) parts.push(`${served.tokensPerSec.toFixed(1)} tok/s`);
  if (served.usage)
    parts.push(`${served.usage.inputTokens ?? "?"} in / ${served.usage.outputTokens ?? "?"} out`);
  return parts.join(" · ");
}

/**
 * One message. `context`: `{ index, last, busy, openThinking }` (`openThinking`: keys of thinking
 * blocks the reader opened, kept across re-renders while streaming).
 */
export function renderTurn(turn, context) {
  const article = el("article", `msg ${turn.role}`);
  article.dataset.index = String(context.index);
  const bubble = el("div", "bubble");
  article.append(bubble);
  if (turn.role === "user") {
    bubble.append(el("div", "user-text", turn.content));
    return article;
  }
  article.dataset.status = turn.status;
  const streaming = turn.status === "streaming";
  turn.rounds.forEach((round, n) => {
    for (const item of round.abandoned) bubble.append(renderAbandoned(item));
    if (round.thinking)
      bubble.append(
        renderThinking(round, `${context.index}:${n}`, context.openThinking, streaming),
      );
    for (const call of round.toolCalls) bubble.append(renderToolCall(call));
    if (round.content) {
      const content = el("div", "content");
      content.append(renderMarkdown(round.content));
      bubble.append(content);
    }
  });
  if (streaming && answerText(turn) === "") bubble.append(el("div", "waiting", "…"));
  const status = el("div", "status");
  if (turn.status === "stopped") status.append(el("span", "badge stopped", "stopped"));
  if (turn.status === "error") status.append(el("span", "badge error", `error: ${turn.error}`));
  if (turn.served) status.append(el("span", "served", servedLine(turn.served)));
  if (status.childNodes.length > 0) bubble.append(status);
  if (turn.trail.length > 0) article.append(renderTrail(turn));
  const actions = el("div", "actions");
  if (!streaming) actions.append(button("Copy", "copy", "Copy the answer"));
  if (context.last && !context.busy)
    actions.append(button("Regenerate", "regenerate", "Ask for this answer again"));
  article.append(actions);
  return article;
}

const BREAKER_TEXT = {
  closed: "breaker closed",
  open: "breaker OPEN",
  "half-open": "breaker half-open",
  none: "no breaker",
};

const FAULT_TEXT = {
  none: "healthy",
  refuse: "refuse",
  hang: "hang",
  "die-mid-stream": "die mid-stream",
  "http-503": "503",
};

/** Fault buttons for a member (`replica` undefined) or one replica of a pool member. */
function faultButtons(status, name, current, member, replica) {
  const faults = el("div", "faults");
  faults.setAttribute("role", "group");
  faults.setAttribute("aria-label", `Break ${name}`);
  for (const fault of status.faults) {
    const choice = el("button", `fault${fault === "none" ? " heal" : ""}`, FAULT_TEXT[fault]);
    choice.type = "button";
    choice.dataset.member = String(member);
    if (replica !== undefined) choice.dataset.replica = String(replica);
    choice.dataset.fault = fault;
    choice.setAttribute("aria-pressed", String(current === fault));
    faults.append(choice);
  }
  return faults;
}

/**
 * A member's or a replica's box (`kind`: its class): its dot and name, then its facts with the
 * health and breaker badges (the caller adds its own).
 */
function healthBox(tag, kind, item, name) {
  const box = el(tag, kind);
  box.dataset.index = String(item.index);
  box.dataset.health = item.health;
  box.dataset.breaker = item.breaker;
  const head = el("div", `${kind}-head`);
  head.append(
    el("span", `dot ${item.health}`, item.health === "up" ? "●" : "○"),
    el("span", `${kind}-name`, name),
  );
  const facts = el("div", "member-facts");
  facts.append(
    el("span", `badge health-${item.health}`, item.health),
    el("span", `badge breaker-${item.breaker}`, BREAKER_TEXT[item.breaker] ?? item.breaker),
  );
  box.append(head, facts);
  return { box, facts };
}

/** A pool member's replicas: each host's health, its own breaker, open streams, speed, faults. */
function renderReplicas(status, member) {
  const list = el("ol", "replicas");
  list.setAttribute("aria-label", `Replicas of ${member.label}`);
  for (const replica of member.replicas) {
    const { box: item, facts } = healthBox(
      "li",
      "replica",
      replica,
      `replica ${replica.index + 1} · ${replica.target}`,
    );
    facts.append(el("span", "badge in-flight", `${replica.inFlight} in flight`));
    if (replica.firstChunkMs !== undefined)
      facts.append(el("span", "badge ttfc", `first chunk ~${ms(replica.firstChunkMs)}`));
    if (replica.fault !== null && status.faults.length > 0)
      item.append(
        faultButtons(
          status,
          `replica ${replica.index + 1}`,
          replica.fault,
          member.index,
          replica.index,
        ),
      );
    list.append(item);
  }
  return list;
}

/** The side panel: every member's health, breaker and fault buttons, then recent chain events. */
export function renderPanel(status, now = Date.now()) {
  const fragment = document.createDocumentFragment();
  for (const member of status.members) {
    const { box, facts } = healthBox(
      "section",
      "member",
      member,
      `${member.index + 1}. ${member.label}`,
    );
    if (member.breaker === "open" && member.retryAt)
      facts.append(
        el(
          "span",
          "retry-at",
          `trial in ${Math.max(0, Math.ceil((member.retryAt - now) / 1000))} s`,
        ),
      );
    box.append(
      el("div", "member-target", `${member.simulated ? "simulator " : ""}${member.target}`),
    );
    if (member.fault !== null && status.faults.length > 0)
      box.append(faultButtons(status, member.label, member.fault, member.index));
    if (member.replicas?.length) box.append(renderReplicas(status, member));
    fragment.append(box);
  }
  if (status.recent.length > 0) {
    fragment.append(el("h3", "recent-title", "Recent chain events"));
    const list = el("ol", "recent");
    for (const event of [...status.recent].reverse()) {
      list.append(el("li", `note ${event.type}`, describeEvent(event)));
    }
    fragment.append(list);
  }
  return fragment;
}
