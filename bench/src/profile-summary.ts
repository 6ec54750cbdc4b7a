/**
 * `tsx src/profile-summary.ts <file.cpuprofile> [top]`: prints the functions with the most self
 * time (and their share) from a `node --cpu-prof` profile, to find a client's hot spot without
 * opening DevTools.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx src/profile-summary.ts <file.cpuprofile> [top]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[i] ?? 0;
  if (!node) return;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    .replace(/^.*\/node_modules\//, "")
    .replace(/^file:\/\/.*\/(packages|bench)\//, "$1/");
  const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + delta);
  total += delta;
});
const top = Number(topArg ?? 25);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(
    `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`,
  );
}
