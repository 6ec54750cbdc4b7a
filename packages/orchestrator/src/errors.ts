import { AdapterError, type PartialOutput, UnavailableError, type Usage } from "@x/core";
import { brand, hasBrand } from "@x/core/http";

/**
 * Where in an attempt a failure happened.
 *
 * - `connect`: before the adapter produced anything (refused, HTTP error, open breaker).
 * - `first-chunk`: the adapter did not produce its first chunk in time (`firstChunkMs`).
 * - `mid-stream`: after the adapter produced at least one chunk (visible or still held back).
 */
export type AttemptStage = "connect" | "first-chunk" | "mid-stream";

/** Identifies one member of a chain in events and errors. */
export interface AdapterRef {
  /** The member's `provider`. */
  provider: string;
  /** The member's `model`. */
  model: string;
  /** Position of the member in its chain (0-based). */
  index: number;
}

/** One failed attempt, as listed by {@link AllAdaptersFailedError}. */
export interface AttemptFailure {
  /** Which member failed. */
  adapter: AdapterRef;
  /** What it threw. */
  error: unknown;
  /** Where in the attempt it failed. */
  stage: AttemptStage;
  /** How long the attempt ran, in milliseconds. */
  durationMs: number;
}

const ALL_FAILED = Symbol.for("@x/orchestrator/AllAdaptersFailedError");

/** Options for {@link AllAdaptersFailedError}. */
export interface AllAdaptersFailedErrorOptions {
  /** The chain's provider name. */
  provider: string;
  /** The chain's model name. */
  model?: string;
  /** Every failed try, in order (retries included). */
  attempts: AttemptFailure[];
  /** Members skipped without a try (a missing capability, an open breaker), with the reason. */
  skipped?: { adapter: AdapterRef; reason: string }[];
  /** Output already yielded to the consumer before the last failure (`midStream: "restart"`/`"continue"`). */
  partial?: PartialOutput;
  /** Usage reported by abandoned attempts, summed, when any reported it. */
  usage?: Usage;
}

/**
 * Every member of a chain failed (or was skipped). `attempts` lists each try the members were
 * sent (retries included) with its adapter, error, stage and duration; `skipped` the members
 * not tried (a missing capability, an open breaker); `cause` is the last error. Not retryable
 * as a whole: the chain already retried and fell back as configured.
 */
export class AllAdaptersFailedError extends AdapterError {
  /** Every failed attempt, in order. */
  readonly attempts: readonly AttemptFailure[];
  /** Members skipped without an attempt, with the reason. */
  readonly skipped: readonly { adapter: AdapterRef; reason: string }[];
  /** Usage reported by abandoned attempts, when any. */
  readonly usage: Usage | undefined;

  constructor(message: string, options: AllAdaptersFailedErrorOptions) {
    const last = options.attempts.at(-1)?.error;
    super(message, {
      provider: options.provider,
      model: options.model,
      code: "all_adapters_failed",
      retryable: false,
      cause: last,
      partial: options.partial,
    });
    this.name = "AllAdaptersFailedError";
    brand(this, ALL_FAILED);
    this.attempts = options.attempts;
    this.skipped = options.skipped ?? [];
    this.usage = options.usage;
  }

  /** True when `error` is an `AllAdaptersFailedError` from any copy of `@x/orchestrator`. */
  static override isInstance(error: unknown): error is AllAdaptersFailedError {
    return hasBrand(error, ALL_FAILED);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      attempts: this.attempts.map((a) => ({
        adapter: a.adapter,
        stage: a.stage,
        durationMs: a.durationMs,
        error: AdapterError.isInstance(a.error)
          ? a.error.toJSON()
          : { message: a.error instanceof Error ? a.error.message : String(a.error) },
      })),
      skipped: this.skipped,
    };
  }
}

const CIRCUIT_OPEN = Symbol.for("@x/orchestrator/CircuitOpenError");

/**
 * Thrown at once (without contacting the server) by an adapter wrapped in `withCircuitBreaker`
 * while its breaker is open (or probing, or while another request holds the half-open trial).
 * Its `code` is `"unavailable"` (core has no dedicated code); use `CircuitOpenError.isInstance()`
 * to tell it apart. Retries never retry it; a chain skips the member instead.
 */
export class CircuitOpenError extends UnavailableError {
  /** When the breaker will admit a trial request (epoch milliseconds). */
  readonly retryAt: number;

  constructor(message: string, options: { provider: string; model?: string; retryAt: number }) {
    super(message, { provider: options.provider, model: options.model });
    this.name = "CircuitOpenError";
    brand(this, CIRCUIT_OPEN);
    this.retryAt = options.retryAt;
  }

  /** True when `error` is a `CircuitOpenError` from any copy of `@x/orchestrator`. */
  static override isInstance(error: unknown): error is CircuitOpenError {
    return hasBrand(error, CIRCUIT_OPEN);
  }
}
