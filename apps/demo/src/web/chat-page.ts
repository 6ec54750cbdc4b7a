/**
 * The web chat: one static page with inline CSS and JS. It POSTs the conversation to
 * `/api/chat` and reads the answer as server-sent events (the `toSSE` encoding of our
 * `StreamChunk`s) from the response body with `fetch`, since `EventSource` cannot POST.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>x-demo chat</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 760px; margin: 0 auto; padding: 1rem; color: #222; }
  h1 { font-size: 1.2rem; }
  #log { border: 1px solid #ddd; border-radius: 6px; padding: .75rem; min-height: 300px; white-space: pre-wrap; }
  .user { font-weight: 600; margin-top: .75rem; }
  .thinking { color: #888; font-style: italic; }
  .tool { color: #06c; font-family: ui-monospace, monospace; }
  .reset { color: #b60; }
  .done { color: #888; font-size: .85em; }
  .error { color: #c00; }
  form { display: flex; gap: .5rem; margin-top: .75rem; }
  input { flex: 1; padding: .5rem; font: inherit; }
  button { padding: .5rem 1rem; font: inherit; }
</style>
</head>
<body>
<h1>x-demo chat <small id="info"></small></h1>
<div id="log" aria-live="polite"></div>
<form id="form"><input id="input" autocomplete="off" placeholder="Ask something…" autofocus><button id="send">Send</button><button id="stop" type="button" disabled>Stop</button></form>
<script>
const log = document.getElementById("log");
const form = document.getElementById("form");
const input = document.getElementById("input");
const stopButton = document.getElementById("stop");
const history = [];
let controller;

function add(cls, text) {
  const el = document.createElement("div");
  el.className = cls;
  el.textContent = text;
  log.appendChild(el);
  log.scrollTop = log.scrollHeight;
  return el;
}

fetch("/api/info").then((r) => r.json()).then((info) => {
  document.getElementById("info").textContent = "· " + info.description;
}).catch(() => {});

async function ask(text) {
  history.push({ role: "user", content: text });
  add("user", "you › " + text);
  let answer = add("answer", "");
  let thinking = null;
  let content = "";
  let toolCalls = [];
  controller = new AbortController();
  stopButton.disabled = false;
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: history }),
      signal: controller.signal,
    });
    if (!response.ok) throw new Error("HTTP " + response.status + ": " + (await response.text()));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\\r\\n?/g, "\\n");
      let end;
      while ((end = buffer.indexOf("\\n\\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length === 0) continue;
        const payload = JSON.parse(data.join("\\n"));
        if (event === "error") { add("error", "error: " + payload.message); continue; }
        if (payload.type === "thinking") {
          if (!thinking) thinking = log.insertBefore(Object.assign(document.createElement("div"), { className: "thinking" }), answer);
          thinking.textContent += payload.thinking;
        } else if (payload.type === "content") {
          content += payload.content;
          answer.textContent = content;
        } else if (payload.type === "tool_calls") {
          for (const call of payload.toolCalls) add("tool", "🔧 " + call.name + "(" + JSON.stringify(call.arguments) + ")");
          toolCalls = toolCalls.concat(payload.toolCalls);
        } else if (payload.type === "reset") {
          add("reset", "↺ answer restarted by " + payload.provider + ": " + payload.reason);
          content = ""; thinking = null; toolCalls = [];
          answer = add("answer", "");
        } else if (payload.type === "done") {
          const parts = [payload.provider + "/" + payload.model, payload.finishReason];
          if (payload.tokensPerSec) parts.push(payload.tokensPerSec.toFixed(1) + " tok/s");
          if (payload.usage) parts.push("tokens in " + (payload.usage.inputTokens ?? "?") + " / out " + (payload.usage.outputTokens ?? "?"));
          add("done", "[done · " + parts.join(" · ") + "]");
          const message = { role: "assistant", content };
          history.push(message);
        }
      }
    }
  } catch (error) {
    add("error", error.name === "AbortError" ? "(stopped)" : "error: " + error.message);
  } finally {
    stopButton.disabled = true;
    controller = undefined;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text || controller) return;
  input.value = "";
  ask(text);
});
stopButton.addEventListener("click", () => controller && controller.abort());
</script>
</body>
</html>
`;
