import {
  AuthenticationError,
  ContextLengthError,
  HttpError,
  InvalidRequestError,
  ModelNotFoundError,
  RateLimitError,
  ServerError,
} from "@x/core";
import { check, type ErrorClass } from "../assert.js";
import type { HttpErrorSpec } from "../codec.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectThrown } from "./expect-error.js";
import { run } from "./helpers.js";

interface HttpCaseSpec {
  /** Case id suffix. Default: the status. */
  id?: string;
  status: number;
  errorClass: ErrorClass;
  retryable: boolean;
  message: (ctx: CaseContext) => string;
  /** The part of the message the error must carry (the API key itself is redacted). */
  expectInMessage: string;
  code?: string;
  retryAfterSeconds?: number;
}

const SPECS: HttpCaseSpec[] = [
  {
    status: 400,
    errorClass: InvalidRequestError,
    retryable: false,
    message: () => "invalid value for temperature",
    expectInMessage: "invalid value for temperature",
    code: "invalid_request_error",
  },
  // OpenAI echoes (part of) a wrong key in its 401 message: the adapter must redact it.
  {
    status: 401,
    errorClass: AuthenticationError,
    retryable: false,
    message: (ctx) => `Incorrect API key provided: ${ctx.secrets.join(", ")}`,
    expectInMessage: "Incorrect API key provided",
    code: "invalid_api_key",
  },
  {
    status: 403,
    errorClass: AuthenticationError,
    retryable: false,
    message: () => "project has no access to this model",
    expectInMessage: "no access to this model",
  },
  {
    status: 404,
    errorClass: ModelNotFoundError,
    retryable: false,
    message: (ctx) => `model "${ctx.model}" not found, try pulling it first`,
    expectInMessage: "not found",
  },
  {
    status: 429,
    errorClass: RateLimitError,
    retryable: true,
    message: () => "rate limit reached for requests",
    expectInMessage: "rate limit reached",
    code: "rate_limit_exceeded",
    retryAfterSeconds: 2,
  },
  {
    status: 500,
    errorClass: ServerError,
    retryable: true,
    message: () => "internal server error",
    expectInMessage: "internal server error",
  },
  {
    status: 503,
    errorClass: ServerError,
    retryable: true,
    message: () => "server overloaded, please retry",
    expectInMessage: "server overloaded",
  },
  {
    id: "context-length",
    status: 400,
    errorClass: ContextLengthError,
    retryable: false,
    message: () => "This model's maximum context length is 8192 tokens; you requested 9210",
    expectInMessage: "maximum context length",
    code: "context_length_exceeded",
  },
];

function httpCase(spec: HttpCaseSpec): ConformanceCase {
  const id = spec.id ?? String(spec.status);
  return {
    id: `http.${id}`,
    title: `HTTP ${spec.status}${spec.code ? ` (${spec.code})` : ""} throws ${spec.errorClass.name} (retryable: ${spec.retryable})${spec.retryAfterSeconds ? " with retryAfterMs from Retry-After" : ""}, with status, message and code, before any chunk, after one request`,
    needs: [],
    async run(ctx) {
      const error: HttpErrorSpec = { status: spec.status, message: spec.message(ctx) };
      if (spec.code) error.code = spec.code;
      if (spec.retryAfterSeconds) error.retryAfterSeconds = spec.retryAfterSeconds;
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "answer",
        answer: ctx.codec.encodeHttpError(error),
      });
      const outcome = await run(ctx, ctx.adapter());
      const situation = `HTTP ${spec.status}${spec.code ? ` ${spec.code}` : ""}`;
      const thrown = await expectThrown(ctx, outcome, [spec.errorClass], situation, {
        retryable: spec.retryable,
      });
      check(
        outcome.chunks.length === 0,
        `${situation}: an error before any output must be thrown before the first chunk`,
      );
      check(HttpError.isInstance(thrown), `${situation}: the error should be an HttpError`);
      const httpError = thrown as HttpError;
      check(
        httpError.status === spec.status,
        `${situation}: error.status should be ${spec.status}, got ${String(httpError.status)}`,
      );
      check(
        httpError.message.includes(spec.expectInMessage),
        `${situation}: the message should carry the server's message (${JSON.stringify(spec.expectInMessage)}), got ${JSON.stringify(httpError.message)}`,
      );
      if (spec.code) {
        check(
          httpError.providerCode === spec.code,
          `${situation}: error.providerCode should be the code the server sent (${spec.code}), got ${JSON.stringify(httpError.providerCode)}`,
        );
      }
      const retryAfterMs = (thrown as RateLimitError).retryAfterMs;
      const want = spec.retryAfterSeconds === undefined ? undefined : spec.retryAfterSeconds * 1000;
      if (RateLimitError.isInstance(thrown) || want !== undefined) {
        check(
          retryAfterMs === want,
          `${situation}: retryAfterMs should be ${String(want)} (Retry-After: ${String(spec.retryAfterSeconds)}), got ${String(retryAfterMs)}`,
        );
      }
    },
  };
}

/** Non-2xx answers to the chat request. */
export const httpErrorCases: ConformanceCase[] = SPECS.map(httpCase);
