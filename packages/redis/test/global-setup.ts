import { execFileSync, spawnSync } from "node:child_process";

/**
 * The tests start real `redis-server` processes (Debian's `redis-server` package). When it is
 * missing and we are root (CI runs `.ci/run` as root on a fresh machine), install it with apt.
 */
export default function setup(): void {
  if (spawnSync("redis-server", ["--version"]).status === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      "redis-server is not installed: run `apt-get install -y redis-server` (the tests start their own on a free loopback port)",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Another test setup (the demo's Chromium) may be running apt at the same moment: wait for
  // its lock instead of failing.
  const wait = ["-o", "DPkg::Lock::Timeout=600"];
  execFileSync("apt-get", [...wait, "update"], { stdio: "inherit", env });
  execFileSync("apt-get", [...wait, "install", "-y", "--no-install-recommends", "redis-server"], {
    stdio: "inherit",
    env,
  });
  // The package may start a system-wide server on 6379 (where systemd runs); the tests do not use it.
}
