/**
 * The floor: a bare pass-through proxy, a few lines of node:http piping bytes to the upstream
 * and back (keep-alive both ways). What any gateway costs at the least.
 */
import { Agent, createServer, request } from "node:http";

const upstream = new URL(process.env.UPSTREAM ?? "");
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

createServer((req, res) => {
  const proxied = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  proxied.on("error", () => res.destroy());
  res.on("close", () => proxied.destroy());
  req.pipe(proxied);
}).listen(0, "127.0.0.1");
