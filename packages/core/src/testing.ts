export type {
  MockAdapter,
  MockAdapterOptions,
  MockCall,
  MockScript,
  MockStep,
} from "./testing/mock-adapter.js";
export { createMockAdapter, textSteps } from "./testing/mock-adapter.js";
