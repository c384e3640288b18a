// The browser tests run Debian's Chromium (never a downloaded browser) and check the PDF reports
// with poppler-utils (pdftotext, pdfimages, pdfinfo): install what is missing with apt-get.
import { execFileSync } from "node:child_process";
import { aptInstall } from "../../scripts/apt.mjs";

function which(command) {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

const NEEDED = [
  { command: "chromium", pkg: "chromium" },
  { command: "pdftotext", pkg: "poppler-utils" },
];

const missing = NEEDED.filter((n) => which(n.command) === "").map((n) => n.pkg);
if (missing.length > 0) {
  console.error(`e2e: installing Debian's ${missing.join(", ")} (apt-get install -y ${missing.join(" ")})`);
  aptInstall(missing);
}
const still = NEEDED.filter((n) => which(n.command) === "");
if (still.length > 0) {
  console.error(
    `e2e: ${still.map((n) => n.command).join(", ")} missing and could not be installed: run \`apt-get install -y ${still.map((n) => n.pkg).join(" ")}\` as root`,
  );
  process.exit(1);
}
