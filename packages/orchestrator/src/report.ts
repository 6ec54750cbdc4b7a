import type { DoneChunk } from "@x/core";
import type { ChainReport } from "./chain/chain-options.js";

/** The chain's report on a `done` chunk (which member served, failures, usage split), if any. */
export function getChainReport(done: DoneChunk): ChainReport | undefined {
  const report = (done as DoneChunk & { orchestrator?: unknown }).orchestrator;
  return typeof report === "object" && report !== null ? (report as ChainReport) : undefined;
}
