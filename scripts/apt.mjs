// Debian's packages the tests need, installed with apt-get when missing (as root, or through
// `sudo -n`): one way for every script that installs one.
import { execFileSync } from "node:child_process";

/** apt-get install -y --no-install-recommends PACKAGES, after an apt-get update when the first try fails. */
export function aptInstall(packages) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  const run = (args) =>
    execFileSync(
      sudo.length > 0 ? sudo[0] : args[0],
      sudo.length > 0 ? [...sudo.slice(1), ...args] : args.slice(1),
      {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      },
    );
  const install = ["apt-get", "install", "-y", "--no-install-recommends", ...packages];
  try {
    run(install);
  } catch {
    run(["apt-get", "update"]);
    run(install);
  }
}
