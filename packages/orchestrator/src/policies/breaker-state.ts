/**
 * A circuit breaker's state and its transitions, as plain data and plain functions: no timers,
 * no events, no clock of its own (every function takes `now`). `CircuitBreaker` holds one
 * `BreakerState` in memory; a shared store (many processes) can hold the same object instead
 * and apply the same functions.
 */

/** When a breaker opens. */
export type BreakerRule =
  /** `failureThreshold` failures in a row. */
  | { mode: "consecutive"; failureThreshold: number }
  /**
   * At least `failureRate` (0–1) of the tries started in the last `windowMs` failed, once at
   * least `minimumRequests` were started in it. Tries still running count as not failed, so fast
   * failures cannot outrun slow successes.
   */
  | { mode: "rate"; failureRate: number; minimumRequests: number; windowMs: number };

/** A breaker's fixed settings. */
export interface BreakerSettings {
  /** When it opens. */
  rule: BreakerRule;
  /** How long it stays open before a trial (or a health probe). */
  cooldownMs: number;
  /** A trial still undecided after this long no longer blocks the next one. */
  trialTimeoutMs: number;
}

/** The three states. */
export type CircuitState = "closed" | "open" | "half-open";

/** Tries started and failed in one slice of the rate window. */
interface Bucket {
  /** Index of the slice: `Math.floor(time / sliceMs)`. */
  slice: number;
  started: number;
  failed: number;
}

/** Everything a breaker remembers. Plain data. */
export interface BreakerState {
  state: CircuitState;
  /** While open: when the cooldown ends (epoch ms). */
  openUntil: number;
  /** Failures in a row (every rule keeps it; the consecutive rule acts on it). */
  consecutiveFailures: number;
  /** Rate rule: the window, oldest slice first. */
  buckets: Bucket[];
  /** Half-open: when the trial in flight started, or 0 when none is. */
  trialStartedAt: number;
}

/** What a breaker granted one try. */
export interface Permit {
  /** `trial`: the one try a half-open breaker admits; its first chunk closes the breaker. */
  readonly kind: "normal" | "trial";
  /** When it was granted (epoch ms): the rate rule counts the try in that slice. */
  readonly startedAt: number;
}

/** A state change worth an event. */
export type Transition = "opened" | "half-opened" | "closed" | undefined;

const SLICES = 10;

/** A closed breaker with nothing counted. */
export function initialState(): BreakerState {
  return {
    state: "closed",
    openUntil: 0,
    consecutiveFailures: 0,
    buckets: [],
    trialStartedAt: 0,
  };
}

/**
 * Asks to start a try. Closed: a normal permit. Open: refused until the cooldown ends; then,
 * when `probing` (a health check decides instead of a caller's request), still refused until the
 * probe moves it to half-open, otherwise it goes half-open now and this try is the trial.
 * Half-open: one trial at a time (an undecided trial older than `trialTimeoutMs` is given up).
 */
export function admit(
  s: BreakerState,
  settings: BreakerSettings,
  now: number,
  probing: boolean,
): { permit: Permit; transition: Transition } | undefined {
  if (refuses(s, settings, now, probing)) return undefined;
  let transition: Transition;
  if (s.state === "open") {
    s.state = "half-open";
    s.trialStartedAt = 0;
    transition = "half-opened";
  }
  if (s.state === "half-open") {
    s.trialStartedAt = now;
    return { permit: { kind: "trial", startedAt: now }, transition };
  }
  if (settings.rule.mode === "rate") bucketAt(s, settings, now, true)!.started++;
  return { permit: { kind: "normal", startedAt: now }, transition };
}

/** Whether {@link admit} would refuse now (without changing anything). */
export function refuses(
  s: BreakerState,
  settings: BreakerSettings,
  now: number,
  probing: boolean,
): boolean {
  if (s.state === "open") return now < s.openUntil || probing;
  if (s.state === "half-open") {
    return s.trialStartedAt !== 0 && now - s.trialStartedAt < settings.trialTimeoutMs;
  }
  return false;
}

/** The try produced its first chunk: the member serves again, so a trial closes the breaker. */
export function firstChunk(s: BreakerState, permit: Permit): Transition {
  if (permit.kind !== "trial" || s.state !== "half-open") return undefined;
  return close(s);
}

/** The try ended with its `done` chunk. */
export function succeed(s: BreakerState, permit: Permit): Transition {
  s.consecutiveFailures = 0;
  return firstChunk(s, permit);
}

/** The try failed in a way that counts against the member. */
export function fail(
  s: BreakerState,
  settings: BreakerSettings,
  permit: Permit,
  now: number,
): Transition {
  s.consecutiveFailures++;
  if (permit.kind === "trial") {
    // A trial that already closed the breaker (first chunk) fails like any try.
    if (s.state === "half-open") return open(s, settings, now);
  }
  if (s.state !== "closed") return undefined; // already open: a late failure changes nothing
  const rule = settings.rule;
  if (rule.mode === "consecutive") {
    return s.consecutiveFailures >= rule.failureThreshold ? open(s, settings, now) : undefined;
  }
  const bucket = bucketAt(s, settings, permit.startedAt, false);
  if (bucket === undefined) return undefined; // started before the window: not part of the rate
  bucket.failed++;
  const { started, failed } = windowCounts(s, settings, now);
  return started >= rule.minimumRequests && failed >= rule.failureRate * started
    ? open(s, settings, now)
    : undefined;
}

/**
 * The try ended without a verdict (a cancel, a hedge loser, the caller's own error): it is
 * taken out of the counts, and a trial no longer blocks the next one.
 */
export function release(s: BreakerState, settings: BreakerSettings, permit: Permit): void {
  if (permit.kind === "trial") {
    if (s.trialStartedAt === permit.startedAt) s.trialStartedAt = 0;
    return;
  }
  const bucket = bucketAt(s, settings, permit.startedAt, false);
  if (bucket !== undefined && bucket.started > 0) bucket.started--;
}

/** A health probe answered: healthy moves an open breaker to half-open, unhealthy re-opens it. */
export function probed(
  s: BreakerState,
  settings: BreakerSettings,
  healthy: boolean,
  now: number,
): Transition {
  if (s.state !== "open") return undefined;
  if (!healthy) {
    s.openUntil = now + settings.cooldownMs;
    return undefined;
  }
  s.state = "half-open";
  s.trialStartedAt = 0;
  return "half-opened";
}

/**
 * Another process opened the member's breaker (read from a shared store): open here too, until
 * `until` at least. An open breaker keeps the later of the two deadlines.
 */
export function openFromStore(s: BreakerState, until: number): Transition {
  if (s.state === "open") {
    s.openUntil = Math.max(s.openUntil, until);
    return undefined;
  }
  s.state = "open";
  s.openUntil = until;
  s.trialStartedAt = 0;
  return "opened";
}

/** The opening this breaker followed was closed by another process's trial: close here too. */
export function closeFromStore(s: BreakerState): Transition {
  return s.state === "closed" ? undefined : close(s);
}

/** Failures and started tries in the rate window. */
export function windowCounts(
  s: BreakerState,
  settings: BreakerSettings,
  now: number,
): { started: number; failed: number } {
  prune(s, settings, now);
  let started = 0;
  let failed = 0;
  for (const b of s.buckets) {
    started += b.started;
    failed += b.failed;
  }
  return { started, failed };
}

function open(s: BreakerState, settings: BreakerSettings, now: number): Transition {
  s.state = "open";
  // Re-opening always counts the cooldown from now (LiteLLM#40130 kept the first deadline).
  s.openUntil = now + settings.cooldownMs;
  s.trialStartedAt = 0;
  return "opened";
}

function close(s: BreakerState): Transition {
  s.state = "closed";
  s.consecutiveFailures = 0;
  s.buckets = [];
  s.trialStartedAt = 0;
  return "closed";
}

function sliceMs(settings: BreakerSettings): number {
  return settings.rule.mode === "rate" ? Math.max(1, settings.rule.windowMs / SLICES) : 1_000;
}

function prune(s: BreakerState, settings: BreakerSettings, now: number): void {
  const oldest = Math.floor(now / sliceMs(settings)) - SLICES + 1;
  while (s.buckets.length > 0 && s.buckets[0]!.slice < oldest) s.buckets.shift();
}

/** The slice holding `time`, created when `create` (only the rate rule keeps slices). */
function bucketAt(
  s: BreakerState,
  settings: BreakerSettings,
  time: number,
  create: boolean,
): Bucket | undefined {
  if (settings.rule.mode !== "rate") return undefined;
  const slice = Math.floor(time / sliceMs(settings));
  for (let i = s.buckets.length - 1; i >= 0; i--) {
    const b = s.buckets[i]!;
    if (b.slice === slice) return b;
    if (b.slice < slice) break;
  }
  if (!create) return undefined;
  prune(s, settings, time);
  const bucket = { slice, started: 0, failed: 0 };
  s.buckets.push(bucket);
  return bucket;
}
