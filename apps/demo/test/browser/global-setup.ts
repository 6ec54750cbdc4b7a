import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's chromium, which the browser tests drive through playwright-core. */
export const CHROMIUM = "/usr/bin/chromium";

function run(command: string, args: string[]): Promise<void> {
  process.stdout.write(`[browser tests] $ ${command} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/**
 * vitest globalSetup: installs Debian's `chromium` package when it is missing, so the browser
 * tests run on a fresh CI machine (which runs as root). vitest does not time globalSetup out,
 * which the apt download needs (a minute or more). Without root it only says what to do; the
 * browser tests then fail with the same hint.
 */
export default async function setup(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    process.stdout.write(
      `[browser tests] ${CHROMIUM} is missing; install it with: sudo apt-get install -y chromium\n`,
    );
    return;
  }
  process.stdout.write(`[browser tests] ${CHROMIUM} is missing: installing Debian's chromium\n`);
  // Another test setup (@x/redis's) may be running apt at the same moment: wait for its lock.
  const wait = ["-o", "DPkg::Lock::Timeout=600"];
  await run("apt-get", [...wait, "update"]);
  await run("apt-get", [...wait, "install", "-y", "chromium"]);
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`);
  process.stdout.write(`[browser tests] installed ${CHROMIUM}\n`);
}
