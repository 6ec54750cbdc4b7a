import {
  AuthenticationError,
  HttpError,
  InvalidRequestError,
  ModelNotFoundError,
  RateLimitError,
  ServerError,
} from "@x/core";
import { check, type ErrorClass } from "../assert.js";
import type { HttpErrorSpec } from "../codec.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectThrown, run } from "./helpers.js";

interface HttpCaseSpec {
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
    message: (ctx) => `Incorrect API key provided: ${ctx.apiKey}`,
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
];

function httpCase(spec: HttpCaseSpec): ConformanceCase {
  return {
    id: `http.${spec.status}`,
    title: `HTTP ${spec.status} throws ${spec.errorClass.name} (retryable: ${spec.retryable})${spec.retryAfterSeconds ? " with retryAfterMs from Retry-After" : ""}, before any chunk, without the API key`,
    needs: [],
    async run(ctx) {
      const error: HttpErrorSpec = { status: spec.status, message: spec.message(ctx) };
      if (spec.code) error.code = spec.code;
      if (spec.retryAfterSeconds) error.retryAfterSeconds = spec.retryAfterSeconds;
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "answer",
        answer: ctx.codec.encodeHttpError(error),
      });
      const outcome = await run(ctx.adapter());
      const situation = `HTTP ${spec.status}`;
      const thrown = expectThrown(ctx, outcome, [spec.errorClass], situation, spec.retryable);
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
      if (spec.retryAfterSeconds) {
        const retryAfterMs = (thrown as RateLimitError).retryAfterMs;
        check(
          retryAfterMs === spec.retryAfterSeconds * 1000,
          `${situation}: retryAfterMs should be ${spec.retryAfterSeconds * 1000} (Retry-After: ${spec.retryAfterSeconds}), got ${String(retryAfterMs)}`,
        );
      }
    },
  };
}

/** Non-2xx answers to the chat request. */
export const httpErrorCases: ConformanceCase[] = SPECS.map(httpCase);
