import { conformanceCases } from "../src/core.js";
import type { Mutant } from "./mutants/index.js";

const cell = (text: string) => text.replaceAll("|", "\\|");
const code = (text: string) => `\`${text}\``;

/** The README's case table: every case id, what it needs, what it proves. */
export function caseTable(): string {
  const rows = conformanceCases.map(
    (c) =>
      `| ${code(c.id)} | ${c.needs.length === 0 ? "—" : c.needs.map(code).join(", ")} | ${cell(c.title)} |`,
  );
  return ["| id | needs | proves |", "|---|---|---|", ...rows].join("\n");
}

/** The README's catch table: every broken reference adapter and the cases that catch it. */
export function catchTable(mutants: readonly Mutant[]): string {
  const rows = mutants.map(
    (m) => `| ${code(m.id)} | ${cell(m.bug)} | ${m.caughtBy.map(code).join(", ")} |`,
  );
  return ["| broken adapter | bug | caught by (exactly) |", "|---|---|---|", ...rows].join("\n");
}
