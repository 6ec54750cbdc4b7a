import { afterAll } from "vitest";
import { generateReference, removeReference } from "./reference/generate.js";

// The scaffold's adapter is the reference: generate it and run its own, unchanged,
// test/conformance.test.ts here (importing it registers the whole suite in this file). It passes
// every case it can run; the live.* cases show as skipped with the reason.
const reference = await generateReference("reference");
await import(`${reference.dir}/test/conformance.test.ts`);

afterAll(() => removeReference("reference"));
