// biome-ignore-all lint/suspicious/noTemplateCurlyInString: mutations are source code with template strings in it
import { ADAPTER, FRAME, type Mutant, patch, REQUEST } from "./patches.js";

/** Broken adapters that the health, model, request, input and credential cases catch. */
export const WIRE_MUTANTS: Mutant[] = [
  // health and models
  {
    id: "health-double-probe",
    bug: "sends a second health probe after a successful one",
    patches: [
      patch(
        ADAPTER,
        "      return response.statusCode >= 200 && response.statusCode <= 299;",
        "      const ok = response.statusCode >= 200 && response.statusCode <= 299;\n      if (ok) await (await request(`${this.baseUrl}/v1/health`, { dispatcher: this.#dispatcher })).body.dump();\n      return ok;",
      ),
    ],
    caughtBy: ["health.up"],
  },
  {
    id: "health-throws-when-refused",
    bug: "healthCheck() rejects when the connection is refused",
    patches: [
      patch(
        ADAPTER,
        "    } catch {\n      return false;\n    } finally {",
        '    } catch (error) {\n      if ((error as { code?: string }).code === "ECONNREFUSED") throw error;\n      return false;\n    } finally {',
      ),
    ],
    caughtBy: ["health.refused"],
  },
  {
    id: "health-no-default-timeout",
    bug: "healthCheck() has no default timeout",
    patches: [
      patch(
        ADAPTER,
        "{ totalMs: options.timeoutMs ?? this.#healthTimeoutMs }",
        "{ totalMs: options.timeoutMs }",
      ),
    ],
    caughtBy: ["health.never-answers"],
  },
  {
    id: "health-any-status",
    bug: "healthCheck() is true for any answer, 503 included",
    patches: [
      patch(
        ADAPTER,
        "      return response.statusCode >= 200 && response.statusCode <= 299;",
        "      return response.statusCode < 600;",
      ),
    ],
    caughtBy: ["health.non-2xx"],
  },
  {
    id: "models-hides-own-model",
    bug: "listModels() leaves out the configured model",
    patches: [
      patch(
        ADAPTER,
        "      return json.models.map((model) => String(model.id));",
        "      return json.models.map((model) => String(model.id)).filter((id) => id !== this.model);",
      ),
    ],
    caughtBy: ["models.list"],
  },
  {
    id: "models-capped",
    bug: "reads a model list only up to 4 MiB",
    patches: [
      patch(
        ADAPTER,
        "readBody(response.body, MAX_SUCCESS_BODY_BYTES)",
        "readBody(response.body, 4 * 1024 * 1024)",
      ),
    ],
    caughtBy: ["models.large"],
  },
  {
    id: "models-retries-5xx",
    bug: "listModels() retries a 5xx once, silently",
    patches: [
      patch(
        ADAPTER,
        "      const response = await request(`${this.baseUrl}/v1/models`, {\n        headers: this.#headers,\n        signal: deadline.signal,\n        dispatcher: this.#dispatcher,\n      });",
        "      const options = { headers: this.#headers, signal: deadline.signal, dispatcher: this.#dispatcher };\n      let response = await request(`${this.baseUrl}/v1/models`, options);\n      if (response.statusCode >= 500) {\n        await response.body.dump();\n        response = await request(`${this.baseUrl}/v1/models`, options);\n      }",
      ),
    ],
    caughtBy: ["models.errors"],
  },
  // requests
  {
    id: "drops-system-messages",
    bug: "leaves system messages out of the request",
    patches: [
      patch(
        REQUEST,
        "messages: input.messages.map(toWireMessage),",
        'messages: input.messages.map(toWireMessage).filter((m) => m.role !== "system"),',
      ),
    ],
    caughtBy: ["request.messages"],
  },
  {
    id: "bare-api-key",
    bug: 'sends the API key without "Bearer ", and over the caller\'s Authorization header',
    patches: [
      patch(
        ADAPTER,
        "options.apiKey ? `Bearer ${options.apiKey}` : base.authorization",
        "options.apiKey ? options.apiKey : base.authorization",
      ),
      patch(
        ADAPTER,
        '      { "content-type": "application/json", accept: "text/event-stream", authorization },\n      options.headers,',
        '      options.headers,\n      { "content-type": "application/json", accept: "text/event-stream", authorization },',
      ),
    ],
    caughtBy: ["request.headers"],
  },
  {
    id: "drops-caller-headers",
    bug: "does not send the caller's headers",
    patches: [
      patch(
        ADAPTER,
        '      { "content-type": "application/json", accept: "text/event-stream", authorization },\n      options.headers,',
        '      { "content-type": "application/json", accept: "text/event-stream", authorization },',
      ),
    ],
    caughtBy: ["request.custom-headers"],
  },
  {
    id: "drops-seed",
    bug: "leaves seed out of the request",
    patches: [patch(REQUEST, "  if (o.seed !== undefined) wire.seed = o.seed;\n", "")],
    caughtBy: ["request.options"],
  },
  {
    id: "think-levels-as-true",
    bug: 'sends every think level as true ("high" is lost)',
    patches: [patch(REQUEST, "wire.think = o.think;", "wire.think = o.think !== false;")],
    caughtBy: ["request.think"],
  },
  {
    id: "drops-json-mode",
    bug: 'leaves responseFormat "json" out of the request',
    patches: [
      patch(
        REQUEST,
        'wire.response_format = { type: "json" };',
        "wire.response_format = undefined;",
      ),
    ],
    caughtBy: ["request.response-format-json"],
  },
  {
    id: "loses-schema-name",
    bug: "sends every JSON schema under the default name",
    patches: [patch(REQUEST, 'name: format.name ?? "response",', 'name: "response",')],
    caughtBy: ["request.response-format-schema"],
  },
  {
    id: "nests-provider-options",
    bug: "sends providerOptions nested under one key instead of passing them through",
    patches: [
      patch(
        REQUEST,
        "Object.assign(wire, o.providerOptions);",
        "wire.provider_options = o.providerOptions;",
      ),
    ],
    caughtBy: ["request.provider-options"],
  },
  {
    id: "drops-tool-descriptions",
    bug: "leaves tool descriptions out of the request",
    patches: [
      patch(
        REQUEST,
        "  if (tool.function.description !== undefined) wire.description = tool.function.description;\n",
        "",
      ),
    ],
    caughtBy: ["request.tools"],
  },
  {
    id: "named-tool-choice-as-required",
    bug: 'sends a named tool choice as "required"',
    patches: [patch(REQUEST, "? choice : { name: choice.name }", '? choice : "required"')],
    caughtBy: ["request.tool-choice"],
  },
  {
    id: "double-encodes-history-arguments",
    bug: "JSON-encodes the arguments of earlier tool calls twice",
    patches: [
      patch(
        REQUEST,
        "arguments: JSON.stringify(call.arguments)",
        "arguments: JSON.stringify(JSON.stringify(call.arguments))",
      ),
    ],
    caughtBy: ["request.tool-history"],
  },
  {
    id: "drops-images",
    bug: "leaves images out of the request",
    patches: [
      patch(REQUEST, "  if (m.images && m.images.length > 0) wire.images = m.images;\n", ""),
    ],
    caughtBy: ["request.images"],
  },
  // input
  {
    id: "serialisation-error-escapes",
    bug: "lets the TypeError of JSON.stringify escape instead of InvalidRequestError",
    patches: [
      patch(
        REQUEST,
        '    throw invalidRequest("the request cannot be serialised to JSON", context, cause);',
        "    throw cause;",
      ),
    ],
    caughtBy: ["input.unserialisable"],
  },
  {
    id: "no-content-check",
    bug: "checks only that messages is an array, not what is in it",
    patches: [
      patch(
        REQUEST,
        "const input = checkStreamInput(messages, options, context);",
        "const input = {\n    ...checkStreamInput(Array.isArray(messages) ? [] : messages, options, context),\n    messages: messages as Message[],\n  };",
      ),
    ],
    caughtBy: ["input.wrong-types"],
  },
  {
    id: "no-timeout-check",
    bug: "does not check timeouts (0, negative, NaN)",
    patches: [
      patch(
        REQUEST,
        "const input = checkStreamInput(messages, options, context);",
        "const input = checkStreamInput(messages, { ...(options as object), timeouts: undefined }, context);\n  input.options = (options ?? {}) as StreamOptions;",
      ),
    ],
    caughtBy: ["input.invalid-timeouts"],
  },
  // credentials
  {
    id: "excerpt-keeps-credentials",
    bug: "builds malformed-frame errors without the credentials to redact",
    patches: [
      patch(
        FRAME,
        "  return new RefProtocolError(`${context.provider}: ${what}`, {\n    ...context,",
        "  return new RefProtocolError(`${context.provider}: ${what}`, {\n    ...context,\n    secrets: [],",
      ),
    ],
    caughtBy: ["credentials.every-fault"],
  },
  {
    id: "forgets-url-credentials",
    bug: "does not count baseUrl userinfo among the credentials to redact",
    patches: [
      patch(
        ADAPTER,
        "collectSecrets({ apiKey: options.apiKey, headers: options.headers, baseUrl: base })",
        "collectSecrets({ apiKey: options.apiKey, headers: options.headers })",
      ),
    ],
    caughtBy: ["credentials.userinfo"],
  },
];
