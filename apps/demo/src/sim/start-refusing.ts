import { listen, type RunningServer } from "../http/listen.js";

/**
 * Returns the address of a port that refuses connections: it binds an OS-chosen port, then
 * closes it again, so a connect gets ECONNREFUSED at once (as with a stopped Ollama).
 */
export async function startRefusing(host?: string): Promise<RunningServer> {
  const probe = await listen(() => {}, host ? { host } : {});
  await probe.close();
  return { url: probe.url, port: probe.port, close: async () => {} };
}
