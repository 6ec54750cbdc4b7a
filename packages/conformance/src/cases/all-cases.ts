import type { ConformanceCase } from "../types.js";
import { abortCases } from "./abort-cases.js";
import { capabilityCases } from "./capability-cases.js";
import { credentialCases } from "./credential-cases.js";
import { faultCases } from "./fault-cases.js";
import { healthCases, modelCases } from "./health-cases.js";
import { httpErrorCases } from "./http-error-cases.js";
import { inputCases } from "./input-cases.js";
import { liveCases } from "./live-cases.js";
import { requestCases } from "./request-cases.js";
import { streamCases } from "./stream-cases.js";
import { timeoutCases } from "./timeout-cases.js";
import { toolCases } from "./tool-cases.js";

/**
 * Every case, in report order. Ids are stable: never renamed; a check whose meaning changes gets
 * a new id (`timeout.idle-after-headers` became `timeout.first-chunk-after-headers` when the
 * first-chunk limit moved from "until headers" to "until the first chunk").
 */
export const conformanceCases: readonly ConformanceCase[] = [
  ...capabilityCases,
  ...streamCases,
  ...toolCases,
  ...faultCases,
  ...timeoutCases,
  ...httpErrorCases,
  ...abortCases,
  ...healthCases,
  ...modelCases,
  ...requestCases,
  ...inputCases,
  ...credentialCases,
  ...liveCases,
];
