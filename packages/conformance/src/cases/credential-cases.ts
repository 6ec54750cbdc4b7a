import { randomBytes } from "node:crypto";
import type { AIAdapter } from "@x/core";
import { check, checkNoSecret, checkNoSecretInChunks, describeError } from "../assert.js";
import { textScenario } from "../scenarios.js";
import type { Behavior } from "../server/loopback-server.js";
import { LoopbackServer } from "../server/loopback-server.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer } from "./expect-answer.js";
import { chatRequest, FIRST_CHUNK_MS, run } from "./helpers.js";

/** `frame` with `secret` inserted after its fifth character (still malformed, now echoing it). */
function withSecret(frame: string, secret: string): string {
  return `${frame.slice(0, 5)}${secret}${frame.slice(5)}`;
}

/**
 * Faults whose answers echo `secrets` wherever a server might: in HTTP error messages, in an
 * in-stream error, inside a malformed frame (`all`), or only the first two.
 */
function echoingFaults(
  ctx: CaseContext,
  secrets: readonly string[],
  all: boolean,
): [string, Behavior][] {
  const echo = `credentials seen: ${secrets.join(" | ")}`;
  const faults: [string, Behavior][] = (all ? [401, 403, 404, 429, 500, 503] : [401]).map(
    (status) => [
      `HTTP ${status} echoing the credentials`,
      { kind: "answer", answer: ctx.codec.encodeHttpError({ status, message: echo }) },
    ],
  );
  const stream = ctx.codec.encodeStream({ ...textScenario(), error: { message: echo } });
  faults.push(["an in-stream error echoing the credentials", { kind: "stream", stream }]);
  if (!all) return faults;
  const text = ctx.codec.encodeStream(textScenario());
  const malformed = withSecret(ctx.codec.malformedFrame(), secrets.join(" "));
  faults.push([
    "a malformed frame holding the credentials",
    { kind: "stream", stream: { ...text, frames: [text.frames[0]!, malformed] } },
  ]);
  faults.push(["no answer within firstChunkMs", { kind: "hang" }]);
  faults.push(["a reset before the response", { kind: "reset" }]);
  return faults;
}

/** Runs the echoing faults, plus a refused port, and checks each error and chunk for `secrets`. */
async function everyFault(
  ctx: CaseContext,
  secrets: readonly string[],
  create: (baseUrl?: string) => AIAdapter,
  refusedBaseUrl: (origin: string) => string,
  all: boolean,
): Promise<void> {
  for (const [situation, behavior] of echoingFaults(ctx, secrets, all)) {
    ctx.server.route(ctx.codec.paths.chat, behavior);
    const outcome = await run(ctx, create(), {
      options: { timeouts: { firstChunkMs: FIRST_CHUNK_MS } },
    });
    check(outcome.ended === "threw", `${situation}: expected an error, got ${outcome.ended}`);
    checkNoSecret(outcome.error, secrets, situation);
    checkNoSecretInChunks(outcome.chunks, secrets, situation);
  }
  const refused = await LoopbackServer.refusedOrigin();
  const outcome = await run(ctx, create(refusedBaseUrl(refused)));
  check(outcome.ended === "threw", `refused connection: expected an error, got ${outcome.ended}`);
  checkNoSecret(outcome.error, secrets, "refused connection");
  const models = ctx.codec.encodeHttpError({ status: 401, message: secrets.join(" ") });
  ctx.server.route(ctx.codec.paths.models, { kind: "answer", answer: models });
  const listed = await create()
    .listModels()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  check(listed !== undefined, "listModels() on HTTP 401 should reject");
  checkNoSecret(listed, secrets, "listModels() on HTTP 401 echoing the credentials");
}

/** Credentials never appear in any error or chunk, whatever the server echoes. */
export const credentialCases: ConformanceCase[] = [
  {
    id: "credentials.every-fault",
    title:
      "the API key and the custom credential header appear in no error and no chunk, for every fault (HTTP 401 to 503, in-stream error and malformed frame echoing them, timeout, reset, refused, listModels)",
    needs: [],
    async run(ctx) {
      await everyFault(
        ctx,
        ctx.secrets,
        (baseUrl) => ctx.adapter(baseUrl === undefined ? {} : { baseUrl }),
        (origin) => origin + ctx.codec.basePath,
        true,
      );
    },
  },
  {
    id: "credentials.userinfo",
    title:
      "user:password@ in baseUrl is sent as Basic authorization and appears in no error or chunk (HTTP 401 and in-stream errors echoing it, refused, listModels)",
    needs: [],
    async run(ctx) {
      const user = `cfuser${randomBytes(6).toString("hex")}`;
      const password = `cfpass-${randomBytes(12).toString("hex")}`;
      const token = Buffer.from(`${user}:${password}`).toString("base64");
      const secrets = [user, password, token];
      const withUserinfo = (origin: string) =>
        origin.replace("http://", `http://${user}:${password}@`) + ctx.codec.basePath;
      const create = (baseUrl?: string) =>
        ctx.adapter({
          baseUrl: baseUrl ?? withUserinfo(ctx.server.origin),
          apiKey: "",
          headers: {},
        });
      const scenario = textScenario();
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "stream",
        stream: ctx.codec.encodeStream(scenario),
      });
      const outcome = await run(ctx, create());
      if (outcome.ended === "threw")
        throw new Error(`userinfo in baseUrl: the stream failed: ${describeError(outcome.error)}`, {
          cause: outcome.error,
        });
      expectAnswer(ctx, outcome, scenario, "userinfo in baseUrl");
      checkNoSecretInChunks(outcome.chunks, secrets, "userinfo in baseUrl");
      const sent = chatRequest(ctx);
      check(
        sent.headers.authorization === `Basic ${token}`,
        `userinfo in baseUrl: the chat request should carry "authorization: Basic <base64 user:password>", got ${sent.headers.authorization === undefined ? "none" : "a different value"}`,
      );
      await everyFault(ctx, secrets, create, withUserinfo, false);
    },
  },
];
