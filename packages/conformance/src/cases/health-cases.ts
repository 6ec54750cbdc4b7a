import type { AIAdapter } from "@x/core";
import { AuthenticationError, ServerError, UnavailableError } from "@x/core";
import { check, checkErrorClass, checkNoSecret, describeError } from "../assert.js";
import { settleWithin } from "../observe.js";
import { LoopbackServer } from "../server/loopback-server.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { PROMPT_MS } from "./helpers.js";

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

async function expectHealthSocketsClosed(ctx: CaseContext, situation: string): Promise<void> {
  for (const request of ctx.server.requestsTo(ctx.codec.paths.health)) {
    const closed = await ctx.server.socketClosed(request.socketId, PROMPT_MS);
    check(
      closed,
      `${situation}: the health probe's connection is still open ${PROMPT_MS} ms after healthCheck() resolved`,
    );
  }
}

/** `healthCheck()`: true when up, false within 3 s otherwise, never throws. */
export const healthCases: ConformanceCase[] = [
  {
    id: "health.up",
    title: "healthCheck() resolves true when the server answers its health probe",
    needs: [],
    async run(ctx) {
      await expectHealth(ctx.adapter(), true, "server up");
      check(
        ctx.server.requestsTo(ctx.codec.paths.health).length > 0,
        `healthCheck() did not request ${ctx.codec.paths.health}`,
      );
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
      await expectHealthSocketsClosed(ctx, "server never answers");
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
    },
  },
];

/** `listModels()`: names, and the same error mapping as `stream()`. */
export const modelCases: ConformanceCase[] = [
  {
    id: "models.list",
    title: "listModels() returns the names the server lists",
    needs: ["listModels"],
    async run(ctx) {
      const names = ["alpha:latest", "beta-7b", ctx.model];
      ctx.server.route(ctx.codec.paths.models, {
        kind: "answer",
        answer: ctx.codec.encodeModels(names),
      });
      const result = await settleWithin(ctx.adapter().listModels(), 5_000);
      check(result.state !== "pending", "listModels() did not settle within 5000 ms");
      check(
        result.state === "resolved",
        `listModels() rejected: ${result.state === "rejected" ? describeError(result.error) : ""}`,
      );
      const got = [...result.value].sort();
      check(
        JSON.stringify(got) === JSON.stringify([...names].sort()),
        `listModels() should return ${JSON.stringify(names)}, got ${JSON.stringify(result.value)}`,
      );
    },
  },
  {
    id: "models.errors",
    title:
      "listModels() maps 401 to AuthenticationError, 500 to ServerError and refused to UnavailableError, without the API key",
    needs: ["listModels"],
    async run(ctx) {
      const attempts = [
        {
          status: 401,
          errorClass: AuthenticationError,
          message: `Incorrect API key provided: ${ctx.apiKey}`,
        },
        { status: 500, errorClass: ServerError, message: "internal error" },
      ];
      for (const attempt of attempts) {
        const answer = ctx.codec.encodeHttpError({
          status: attempt.status,
          message: attempt.message,
        });
        ctx.server.route(ctx.codec.paths.models, { kind: "answer", answer });
        const result = await settleWithin(ctx.adapter().listModels(), 5_000);
        const situation = `listModels() on HTTP ${attempt.status}`;
        check(
          result.state === "rejected",
          `${situation}: expected ${attempt.errorClass.name}, got ${result.state}`,
        );
        checkErrorClass(result.error, [attempt.errorClass], situation);
        checkNoSecret(result.error, [ctx.apiKey], situation);
      }
      const origin = await LoopbackServer.refusedOrigin();
      const refused = await settleWithin(
        ctx.adapter({ baseUrl: origin + ctx.codec.basePath }).listModels(),
        5_000,
      );
      check(
        refused.state === "rejected",
        `listModels() on a refused port: expected UnavailableError, got ${refused.state}`,
      );
      checkErrorClass(refused.error, [UnavailableError], "listModels() on a refused port");
    },
  },
];
