import { FAULT_MUTANTS } from "./faults-mutants.js";
import type { Mutant } from "./patches.js";
import { STREAM_MUTANTS } from "./stream-mutants.js";
import { WIRE_MUTANTS } from "./wire-mutants.js";

export type { Mutant } from "./patches.js";
export { FAULT_MUTANTS, STREAM_MUTANTS, WIRE_MUTANTS };

/** Every broken reference adapter, in the order of the cases that catch them. */
export const MUTANTS: Mutant[] = [...STREAM_MUTANTS, ...FAULT_MUTANTS, ...WIRE_MUTANTS];
