// The browser tests run Debian's Chromium (never a downloaded browser): install it when missing.
import { execFileSync } from "node:child_process";

function which(command) {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

if (which("chromium") === "") {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  console.error("e2e: installing Debian's chromium (apt-get install -y chromium)");
  const run = (args) =>
    execFileSync(
      sudo.length > 0 ? sudo[0] : args[0],
      sudo.length > 0 ? [...sudo.slice(1), ...args] : args.slice(1),
      {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      },
    );
  try {
    run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"]);
  } catch {
    run(["apt-get", "update"]);
    run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"]);
  }
}
if (which("chromium") === "") {
  console.error("e2e: chromium is not installed and could not be: run `apt-get install -y chromium` as root");
  process.exit(1);
}
