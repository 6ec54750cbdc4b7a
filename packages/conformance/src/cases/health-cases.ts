import type { AdapterError, AIAdapter } from "@x/core";
import { AuthenticationError, HttpError, ServerError, UnavailableError } from "@x/core";
import {
  check,
  checkErrorClass,
  checkNoSecret,
  describeError,
  type ErrorClass,
} from "../assert.js";
import type { HttpAnswer } from "../codec.js";
import { settleWithin } from "../observe.js";
import { protocolKey } from "../scenarios.js";
import { LoopbackServer } from "../server/loopback-server.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectSocketsClosed } from "./helpers.js";

/** The contract bound for `healthCheck()` answering `false` when the server is down. */
export const HEALTH_BOUND_MS = 3_000;

async function expectHealth(
  adapter: AIAdapter,
  expected: boolean,
  situation: string,
): Promise<void> {
  const result = await settleWithin(adapter.healthCheck(), HEALTH_BOUND_MS);
  check(
    result.state !== "pending",
    `${situation}: healthCheck() did not resolve within ${HEALTH_BOUND_MS} ms`,
  );
  check(
    result.state === "resolved",
    `${situation}: healthCheck() must never throw, it rejected with ${result.state === "rejected" ? describeError(result.error) : ""}`,
  );
  check(
    result.value === expected,
    `${situation}: healthCheck() should resolve ${expected}, got ${String(result.value)}`,
  );
}

function expectRequests(ctx: CaseContext, path: string, count: number, situation: string): void {
  const got = ctx.server.requestsTo(path).length;
  check(
    got === count,
    `${situation}: the server received ${got} request(s) to ${path}, expected ${count} (an adapter never retries on its own)`,
  );
}

/** `healthCheck()`: true when up, false within 3 s otherwise, never throws. */
export const healthCases: ConformanceCase[] = [
  {
    id: "health.up",
    title: "healthCheck() resolves true when the server answers its health probe",
    needs: [],
    async run(ctx) {
      await expectHealth(ctx.adapter(), true, "server up");
      expectRequests(ctx, ctx.codec.paths.health, 1, "server up");
    },
  },
  {
    id: "health.refused",
    title: `healthCheck() resolves false within ${HEALTH_BOUND_MS} ms when the connection is refused`,
    needs: [],
    async run(ctx) {
      const origin = await LoopbackServer.refusedOrigin();
      await expectHealth(
        ctx.adapter({ baseUrl: origin + ctx.codec.basePath }),
        false,
        "connection refused",
      );
    },
  },
  {
    id: "health.never-answers",
    title: `healthCheck() resolves false within ${HEALTH_BOUND_MS} ms when the server accepts and never answers, and closes the socket`,
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.health, { kind: "hang" });
      await expectHealth(ctx.adapter(), false, "server never answers");
      expectRequests(ctx, ctx.codec.paths.health, 1, "server never answers");
      await expectSocketsClosed(ctx, ctx.codec.paths.health, "server never answers");
    },
  },
  {
    id: "health.non-2xx",
    title: "healthCheck() resolves false when the probe answers 503",
    needs: [],
    async run(ctx) {
      const answer = ctx.codec.encodeHttpError({ status: 503, message: "loading" });
      ctx.server.route(ctx.codec.paths.health, { kind: "answer", answer });
      await expectHealth(ctx.adapter(), false, "health probe answers 503");
      expectRequests(ctx, ctx.codec.paths.health, 1, "health probe answers 503");
    },
  },
];

/** Calls `listModels()` within 10 s; fails when it does not settle. */
async function listModels(adapter: AIAdapter, situation: string) {
  const result = await settleWithin(adapter.listModels(), 10_000);
  check(result.state !== "pending", `${situation}: listModels() did not settle within 10000 ms`);
  return result;
}

const largeLists = new Map<string, { names: string[]; answer: HttpAnswer }>();

/** Model names for a list of at least `minBytes` in the codec's encoding (built once per codec). */
function largeList(ctx: CaseContext, minBytes: number): { names: string[]; answer: HttpAnswer } {
  const key = protocolKey(ctx);
  let list = largeLists.get(key);
  if (!list) {
    const name = (i: number) => `org-${i % 97}/model-${i}-instruct-q4_K_M:latest`;
    const one = ctx.codec.encodeModels([name(0)]).body.length;
    const each = Math.max(1, ctx.codec.encodeModels([name(0), name(1)]).body.length - one);
    const names: string[] = [];
    // Later names have more digits than the two measured: the list only comes out longer.
    for (let i = 0; i < Math.ceil(minBytes / each) + 1; i++) names.push(name(i));
    list = { names, answer: ctx.codec.encodeModels(names) };
    largeLists.set(key, list);
  }
  return list;
}

/** A model list this large (several MiB, over every frame limit). */
const LARGE_LIST_BYTES = 6 * 1024 * 1024;

/** `listModels()`: names, and the same error mapping as `stream()`. */
export const modelCases: ConformanceCase[] = [
  {
    id: "models.list",
    title: "listModels() returns the names the server lists, after one request",
    needs: ["listModels"],
    async run(ctx) {
      const names = ["alpha:latest", "beta-7b", ctx.model];
      ctx.server.route(ctx.codec.paths.models, {
        kind: "answer",
        answer: ctx.codec.encodeModels(names),
      });
      const result = await listModels(ctx.adapter(), "model list");
      check(
        result.state === "resolved",
        `listModels() rejected: ${result.state === "rejected" ? describeError(result.error) : ""}`,
      );
      const got = [...result.value].sort();
      check(
        JSON.stringify(got) === JSON.stringify([...names].sort()),
        `listModels() should return ${JSON.stringify(names)}, got ${JSON.stringify(result.value)}`,
      );
      expectRequests(ctx, ctx.codec.paths.models, 1, "model list");
    },
  },
  {
    id: "models.large",
    title: `listModels() reads a model list of ${LARGE_LIST_BYTES / 1024 / 1024} MiB or more whole (success bodies have a generous cap)`,
    needs: ["listModels"],
    async run(ctx) {
      const { names, answer } = largeList(ctx, LARGE_LIST_BYTES);
      check(
        answer.body.length >= LARGE_LIST_BYTES,
        `codec ${ctx.codec.name}: a list of ${names.length} models is only ${answer.body.length} bytes`,
      );
      ctx.server.route(ctx.codec.paths.models, { kind: "answer", answer });
      const result = await listModels(ctx.adapter(), "large model list");
      check(
        result.state === "resolved",
        `listModels() of ${names.length} models rejected: ${result.state === "rejected" ? describeError(result.error) : ""}`,
      );
      check(
        result.value.length === names.length && result.value.every((name, i) => name === names[i]),
        `listModels() should return all ${names.length} names in order, got ${result.value.length}`,
      );
    },
  },
  {
    id: "models.errors",
    title:
      "listModels() maps 401 to AuthenticationError, 500 to ServerError and refused to UnavailableError, with their fields, without credentials, after one request",
    needs: ["listModels"],
    async run(ctx) {
      const attempts: {
        status: number;
        errorClass: ErrorClass;
        retryable: boolean;
        message: string;
      }[] = [
        {
          status: 401,
          errorClass: AuthenticationError,
          retryable: false,
          message: `Incorrect API key provided: ${ctx.secrets.join(", ")}`,
        },
        { status: 500, errorClass: ServerError, retryable: true, message: "internal error" },
      ];
      for (const attempt of attempts) {
        const situation = `listModels() on HTTP ${attempt.status}`;
        const answer = ctx.codec.encodeHttpError({
          status: attempt.status,
          message: attempt.message,
        });
        ctx.server.route(ctx.codec.paths.models, { kind: "answer", answer });
        const before = ctx.server.requestsTo(ctx.codec.paths.models).length;
        const adapter = ctx.adapter();
        const result = await listModels(adapter, situation);
        check(
          result.state === "rejected",
          `${situation}: expected ${attempt.errorClass.name}, got ${result.state}`,
        );
        const error = checkErrorClass(result.error, [attempt.errorClass], situation);
        checkNoSecret(result.error, ctx.secrets, situation);
        checkFields(adapter, error, attempt.retryable, situation);
        check(
          HttpError.isInstance(error) && error.status === attempt.status,
          `${situation}: error.status should be ${attempt.status}, got ${String((error as HttpError).status)}`,
        );
        const sent = ctx.server.requestsTo(ctx.codec.paths.models).length - before;
        check(
          sent === 1,
          `${situation}: the server received ${sent} requests, expected 1 (an adapter never retries on its own)`,
        );
      }
      const origin = await LoopbackServer.refusedOrigin();
      const adapter = ctx.adapter({ baseUrl: origin + ctx.codec.basePath });
      const refused = await listModels(adapter, "listModels() on a refused port");
      check(
        refused.state === "rejected",
        `listModels() on a refused port: expected UnavailableError, got ${refused.state}`,
      );
      const error = checkErrorClass(
        refused.error,
        [UnavailableError],
        "listModels() on a refused port",
      );
      checkNoSecret(refused.error, ctx.secrets, "listModels() on a refused port");
      checkFields(adapter, error, true, "listModels() on a refused port");
    },
  },
];

function checkFields(
  adapter: AIAdapter,
  error: AdapterError,
  retryable: boolean,
  situation: string,
): void {
  check(
    error.provider === adapter.provider && error.model === adapter.model,
    `${situation}: ${error.name} should name provider ${JSON.stringify(adapter.provider)} and model ${JSON.stringify(adapter.model)}, got ${JSON.stringify(error.provider)} / ${JSON.stringify(error.model)}`,
  );
  check(
    error.retryable === retryable,
    `${situation}: ${error.name}.retryable should be ${retryable}, got ${String(error.retryable)}`,
  );
}
