export type {
  MockAdapter,
  MockAdapterOptions,
  MockCall,
  MockScript,
  MockStep,
} from "./testing/mock-adapter.js";
export { createMockAdapter, textSteps } from "./testing/mock-adapter.js";
export type { TakeBufferedDrain } from "./testing/take-buffered-drain.js";
export { drainPreferringTakeBuffered } from "./testing/take-buffered-drain.js";
