import type { Message, StreamOptions } from "@x/core";
import { check, checkEqual, describeError } from "../assert.js";
import type { DecodedRequest, SamplingOption } from "../codec.js";
import {
  authHeaders,
  IMAGE_BASE64,
  TOKEN_HEADER,
  TOOL_CALLS,
  TOOL_DEFINITIONS,
  textScenario,
} from "../scenarios.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer } from "./expect-answer.js";
import { chatRequest, run, serveScenario } from "./helpers.js";

/** Streams once with `messages`/`options` against a normal answer and decodes what the adapter sent. */
async function sent(
  ctx: CaseContext,
  messages: Message[],
  options: StreamOptions = {},
): Promise<DecodedRequest> {
  const scenario = textScenario();
  serveScenario(ctx, scenario);
  const outcome = await run(ctx, ctx.adapter(), { options, messages });
  expectAnswer(ctx, outcome, scenario, "request translation");
  const body = chatRequest(ctx).body;
  try {
    return ctx.codec.decodeRequest(body);
  } catch (error) {
    throw new Error(
      `codec ${ctx.codec.name} could not decode the request body (${describeError(error)}): ${body.slice(0, 300)}`,
    );
  }
}

const BASIC: Message[] = [
  { role: "system", content: "You are terse. 简洁。" },
  { role: "user", content: "Hi 👋" },
  { role: "assistant", content: "Hello!" },
  { role: "user", content: "Weather in Zürich?" },
];

function checkRolesAndContent(decoded: DecodedRequest, expected: Message[]): void {
  checkEqual(
    decoded.messages.map((m) => ({ role: m.role, content: m.content })),
    expected.map((m) => ({ role: m.role, content: m.content })),
    "messages (role, content) on the wire",
  );
}

/** Request translation: messages, tools, options, pass-through, headers. */
export const requestCases: ConformanceCase[] = [
  {
    id: "request.messages",
    title: "system, user and assistant messages, the model and stream: true reach the wire",
    needs: [],
    async run(ctx) {
      const decoded = await sent(ctx, BASIC);
      check(
        decoded.model === ctx.model,
        `model on the wire should be ${JSON.stringify(ctx.model)}, got ${JSON.stringify(decoded.model)}`,
      );
      check(decoded.stream === true, "the request must ask for a streamed answer (stream: true)");
      checkRolesAndContent(decoded, BASIC);
    },
  },
  {
    id: "request.headers",
    title: "the factory's headers (Authorization: Bearer <apiKey>) are sent",
    needs: [],
    async run(ctx) {
      await sent(ctx, BASIC);
      const headers = chatRequest(ctx).headers;
      for (const [name, value] of Object.entries(authHeaders(ctx.codec, ctx.apiKey))) {
        const got = headers[name];
        const shown = name === "authorization" ? `${value.split(" ")[0]} <apiKey>` : "<apiKey>";
        check(
          got === value,
          `the chat request should carry "${name}: ${shown}", got ${got === undefined ? "none" : "a different value"}`,
        );
      }
    },
  },
  {
    id: "request.custom-headers",
    title: `the factory's other headers (${TOKEN_HEADER}, a gateway credential) are sent as given`,
    needs: [],
    async run(ctx) {
      await sent(ctx, BASIC);
      const token = chatRequest(ctx).headers[TOKEN_HEADER];
      check(
        token === ctx.secrets[1],
        `the chat request should carry the factory's "${TOKEN_HEADER}" header, got ${token === undefined ? "none" : "a different value"}`,
      );
    },
  },
  {
    id: "request.options",
    title: "temperature, topP, maxTokens, stop and seed reach the wire",
    needs: [],
    async run(ctx) {
      const options = {
        temperature: 0.3,
        topP: 0.9,
        maxTokens: 64,
        stop: ["END", "\n\n"],
        seed: 42,
      } satisfies Required<Pick<StreamOptions, SamplingOption>>;
      const decoded = await sent(ctx, BASIC, options);
      // Only what the protocol has a field for (Anthropic has no seed); the call must succeed anyway.
      const carried = ctx.codec.samplingOptions ?? (Object.keys(options) as SamplingOption[]);
      checkEqual(
        Object.fromEntries(carried.map((name) => [name, decoded.options[name]])),
        Object.fromEntries(carried.map((name) => [name, options[name]])),
        "sampling options on the wire",
      );
    },
  },
  {
    id: "request.think",
    title: 'think: true reaches the wire (as true or an effort level), think: "high" as "high"',
    needs: ["thinking"],
    async run(ctx) {
      const on = (await sent(ctx, BASIC, { think: true })).options.think;
      check(
        on !== undefined && on !== false,
        `think: true should reach the wire, decoded ${JSON.stringify(on)}`,
      );
      const high = (await sent(ctx, BASIC, { think: "high" })).options.think;
      check(
        high === "high",
        `think: "high" should reach the wire, decoded ${JSON.stringify(high)}`,
      );
    },
  },
  {
    id: "request.response-format-json",
    title: 'responseFormat "json" reaches the wire',
    needs: [],
    async run(ctx) {
      const decoded = await sent(ctx, BASIC, { responseFormat: "json" });
      checkEqual(decoded.options.responseFormat, "json", "responseFormat on the wire");
    },
  },
  {
    id: "request.response-format-schema",
    title: "a json_schema responseFormat reaches the wire with its schema",
    needs: ["jsonSchema"],
    async run(ctx) {
      const schema = {
        type: "object",
        properties: { answer: { type: "string" } },
        required: ["answer"],
      };
      const decoded = await sent(ctx, BASIC, {
        responseFormat: { type: "json_schema", name: "answer", schema },
      });
      const format = decoded.options.responseFormat;
      check(
        typeof format === "object" && format.type === "json_schema",
        `responseFormat should decode as json_schema, got ${JSON.stringify(format)}`,
      );
      checkEqual(format.schema, schema, "json_schema schema on the wire");
      // Protocols without a schema name (Ollama's `format`) decode none.
      if (format.name !== undefined) checkEqual(format.name, "answer", "json_schema name");
    },
  },
  {
    id: "request.provider-options",
    title: "providerOptions are passed through untouched",
    needs: [],
    async run(ctx) {
      const decoded = await sent(ctx, BASIC, { providerOptions: { conformance_probe: 42 } });
      check(
        decoded.extra.conformance_probe === 42,
        `providerOptions { conformance_probe: 42 } should reach the wire (codec extra), got extra ${JSON.stringify(decoded.extra)}`,
      );
    },
  },
  {
    id: "request.tools",
    title: "tool definitions reach the wire",
    needs: ["toolCalls"],
    async run(ctx) {
      const decoded = await sent(ctx, BASIC, { tools: TOOL_DEFINITIONS });
      checkEqual(decoded.tools, TOOL_DEFINITIONS, "tool definitions on the wire");
    },
  },
  {
    id: "request.tool-choice",
    title:
      "every tool choice the codec can decode (auto, none, required, a named function) reaches the wire",
    needs: ["toolCalls", "toolChoice"],
    async run(ctx) {
      for (const toolChoice of ctx.codec.toolChoices ?? []) {
        const decoded = await sent(ctx, BASIC, { tools: TOOL_DEFINITIONS, toolChoice });
        checkEqual(
          decoded.toolChoice,
          toolChoice,
          `toolChoice ${JSON.stringify(toolChoice)} on the wire`,
        );
      }
    },
  },
  {
    id: "request.tool-history",
    title: "assistant tool calls and tool results (toolCallId, name) reach the wire",
    needs: ["toolCalls"],
    async run(ctx) {
      const call = TOOL_CALLS[0]!;
      const messages: Message[] = [
        { role: "user", content: "Weather in Zürich?" },
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "tool", content: '{"temp":21,"sky":"☀️"}', toolCallId: call.id, name: call.name },
      ];
      const decoded = await sent(ctx, messages, { tools: TOOL_DEFINITIONS });
      checkEqual(
        decoded.messages.map((m) => m.role),
        ["user", "assistant", "tool"],
        "message roles on the wire",
      );
      const assistant = decoded.messages[1]!;
      const calls = assistant.toolCalls ?? [];
      check(
        calls.length === 1,
        `the assistant message should carry 1 tool call on the wire, got ${calls.length}`,
      );
      check(
        calls[0]!.name === call.name,
        `assistant tool call name: expected ${call.name}, got ${calls[0]!.name}`,
      );
      checkEqual(calls[0]!.arguments, call.arguments, "assistant tool call arguments on the wire");
      if (calls[0]!.id)
        check(
          calls[0]!.id === call.id,
          `assistant tool call id: expected ${call.id}, got ${calls[0]!.id}`,
        );
      const tool = decoded.messages[2]!;
      check(
        tool.content === messages[2]!.content,
        `tool result content: expected ${messages[2]!.content}, got ${tool.content}`,
      );
      check(
        tool.toolCallId !== undefined || tool.name !== undefined,
        "the tool result carries neither toolCallId nor name on the wire",
      );
      if (tool.toolCallId !== undefined)
        check(
          tool.toolCallId === call.id,
          `tool result toolCallId: expected ${call.id}, got ${tool.toolCallId}`,
        );
      if (tool.name !== undefined)
        check(tool.name === call.name, `tool result name: expected ${call.name}, got ${tool.name}`);
    },
  },
  {
    id: "request.images",
    title: "images on a user message reach the wire",
    needs: ["images"],
    async run(ctx) {
      const messages: Message[] = [
        { role: "user", content: "What is this?", images: [IMAGE_BASE64] },
      ];
      const decoded = await sent(ctx, messages);
      const images = decoded.messages[0]?.images ?? [];
      check(
        images.length === 1,
        `the user message should carry 1 image on the wire, got ${images.length}`,
      );
      check(
        images[0]!.endsWith(IMAGE_BASE64),
        "the image on the wire should be the base64 data sent (raw or as a data: URL)",
      );
    },
  },
];
