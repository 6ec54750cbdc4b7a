/**
 * In-process A/B of per-request cost: clients given on the command line take turns request by
 * request against the loopback server process; prints median first-chunk µs and client CPU µs.
 * Usage: npx tsx src/ab.ts raw-sse,x-openai,x-chain-openai [requests] [chunks per response] [bulk|frame]
 */
import { fileURLToPath } from "node:url";
import { startServer } from "./child-process.js";
import { findClient } from "./clients/registry.js";
import { modelName } from "./protocol/model-name.js";

const ids = (process.argv[2] ?? "raw-sse,x-openai,x-chain-openai").split(",");
const count = Number(process.argv[3] ?? 3000);
const server = await startServer(
  fileURLToPath(new URL("./server/server-main.ts", import.meta.url)),
);
const clients = await Promise.all(
  ids.map((id) => findClient(id).create({ origin: server.origin })),
);
const n = Number(process.argv[4] ?? 10);
const mode = process.argv[5] === "frame" ? "frame" : "bulk";
const model = modelName({ n, mode });
const warmup = n > 1000 ? 2 : 300;
const first: number[][] = ids.map(() => []);
const cpu: number[][] = ids.map(() => []);
for (let i = 0; i < count + warmup; i++) {
  for (let c = 0; c < clients.length; c++) {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    let f = -1;
    await clients[c]!.run(model, () => {
      if (f < 0) f = performance.now();
    });
    const u = process.cpuUsage(u0);
    if (i >= warmup) {
      first[c]!.push((n > 1000 ? performance.now() - t0 : f - t0) * 1000);
      cpu[c]!.push(u.user + u.system);
    }
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
for (let c = 0; c < ids.length; c++) {
  console.log(
    `${ids[c]!.padEnd(16)} ${n > 1000 ? "total" : "first"} ${median(first[c]!).toFixed(0).padStart(5)} µs   cpu mean ${mean(cpu[c]!).toFixed(0).padStart(5)} µs`,
  );
}
const conns = await fetch(`${server.origin}/bench/connections`).then((r) => r.json());
console.log("server connections", conns);
await Promise.all(clients.map((c) => c.close()));
await server.stop();
