import { describeMutants } from "./broken-helpers.js";
import { STREAM_MUTANTS } from "./mutants/index.js";

// Each broken reference adapter fails exactly the case ids its mutant lists.
describeMutants("broken reference adapters: capabilities, stream and tool cases", STREAM_MUTANTS);
