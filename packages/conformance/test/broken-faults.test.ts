import { describeMutants } from "./broken-helpers.js";
import { FAULT_MUTANTS } from "./mutants/index.js";

// Each broken reference adapter fails exactly the case ids its mutant lists.
describeMutants("broken reference adapters: fault, timeout, HTTP and abort cases", FAULT_MUTANTS);
