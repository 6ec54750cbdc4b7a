import { describeMutants } from "./broken-helpers.js";
import { WIRE_MUTANTS } from "./mutants/index.js";

// Each broken reference adapter fails exactly the case ids its mutant lists.
describeMutants(
  "broken reference adapters: health, model, request, input and credential cases",
  WIRE_MUTANTS,
);
