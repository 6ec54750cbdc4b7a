/**
 * The runner-neutral core of `@x/conformance`: the cases, the loopback server with its faults,
 * and a plain runner. `@x/conformance` binds it to vitest; other runners can bind it the same way.
 *
 * @packageDocumentation
 */

export { check, checkNoSecret, checkWellFormed, fail } from "./assert.js";
export { conformanceCases } from "./cases/all-cases.js";
export { CAPABILITY_FLAGS } from "./cases/capability-cases.js";
export type * from "./codec.js";
export type { ChunkHook, Settled, StreamOutcome } from "./observe.js";
export { activeTimeouts, consume, settleWithin, TimerScope } from "./observe.js";
export type { RunCasesOptions } from "./runner.js";
export {
  executeCase,
  planConformance,
  probeCapabilities,
  runCase,
  runConformanceCases,
} from "./runner.js";
export {
  SERVED_MODEL,
  SUITE_MODEL,
  TEXT_DELTAS,
  THINKING_DELTAS,
  TIMINGS,
  TOKEN_HEADER,
  TOOL_CALLS,
  TOOL_DEFINITIONS,
  USAGE,
} from "./scenarios.js";
export type { Delivery } from "./server/delivery.js";
export { cutPieces, seededRandom } from "./server/delivery.js";
export type { Behavior, RecordedRequest, WriteProgress } from "./server/loopback-server.js";
export { LoopbackServer } from "./server/loopback-server.js";
export type { CaseContext, CaseNeed, CaseResult, ConformanceCase, PlannedCase } from "./types.js";
