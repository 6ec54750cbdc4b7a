import type { ConformanceCase } from "../types.js";
import { abortCases } from "./abort-cases.js";
import { capabilityCases } from "./capability-cases.js";
import { faultCases } from "./fault-cases.js";
import { healthCases, modelCases } from "./health-cases.js";
import { httpErrorCases } from "./http-error-cases.js";
import { liveCases } from "./live-cases.js";
import { requestCases } from "./request-cases.js";
import { streamCases } from "./stream-cases.js";
import { toolCases } from "./tool-cases.js";

/** Every case, in report order. Ids are stable: never rename one, add new ones instead. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...capabilityCases,
  ...streamCases,
  ...toolCases,
  ...faultCases,
  ...httpErrorCases,
  ...abortCases,
  ...healthCases,
  ...modelCases,
  ...requestCases,
  ...liveCases,
];
