import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findChromium } from "./chromium";
import { escapeHtml, PrinterUnavailable, ReportPrinter } from "./printer";

describe("the report printer", () => {
  it("escapes text from the cluster before it enters the page footer's HTML", () => {
    expect(escapeHtml(`Namespace <img src=x onerror="alert(1)">&'`)).toBe(
      "Namespace &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;",
    );
  });

  it("finds Chromium as TRUSTMAP_CHROMIUM says, else the first one on PATH that can run", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-chromium-"));
    const notExecutable = path.join(dir, "chromium");
    writeFileSync(notExecutable, "");
    const other = mkdtempSync(path.join(tmpdir(), "trustmap-chromium-"));
    const browser = path.join(other, "chromium-browser");
    writeFileSync(browser, "#!/bin/sh\n");
    chmodSync(browser, 0o755);
    expect(findChromium({ PATH: [dir, other].join(path.delimiter) })).toBe(browser);
    expect(findChromium({ PATH: dir })).toBeUndefined();
    expect(findChromium({ PATH: other, TRUSTMAP_CHROMIUM: "/opt/chrome/chrome" })).toBe("/opt/chrome/chrome");
  });

  it("says what to install when there is no Chromium", async () => {
    const printer = new ReportPrinter({ chromium: undefined });
    await expect(
      printer.screenshot("http://127.0.0.1:1", { path: "/?tab=gaps", width: 1400, scale: 1 }),
    ).rejects.toThrow(PrinterUnavailable);
    await expect(
      printer.screenshot("http://127.0.0.1:1", { path: "/?tab=gaps", width: 1400, scale: 1 }),
    ).rejects.toThrow(/apt-get install -y chromium/);
  });
});
