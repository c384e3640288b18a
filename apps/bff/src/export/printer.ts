import type { EvidenceReport, Paper } from "@trustmap/shared";
import type { Browser } from "playwright-core";
import { CHROMIUM_ARGS, findChromium, NO_CHROMIUM } from "./chromium";

// The PDF evidence pack and the page screenshots are printed by headless Chromium from the web
// app's own pages: the report page lays the report model out as HTML (real text, vector tables)
// and draws the scope's graph with the dashboard's renderer; Chromium paginates, numbers pages
// and writes the PDF. One browser is kept while reports are asked for and closed when idle.

const READY_TIMEOUT_MS = 180_000;
const IDLE_CLOSE_MS = 60_000;
const CONCURRENCY = 2;

export class PrinterUnavailable extends Error {}

/** Escapes text for the header/footer templates, which Chromium reads as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

export interface Screenshot {
  /** The page's path and query, e.g. "/?tab=rbac&risky=true". */
  readonly path: string;
  readonly width: number;
  readonly scale: number;
}

/** A cookie Chromium sends to the BFF with every request of one print: the requesting user's session. */
export interface Credential {
  readonly name: string;
  readonly value: string;
}

async function withCredential(
  context: import("playwright-core").BrowserContext,
  origin: string,
  credential: Credential | undefined,
): Promise<void> {
  if (credential === undefined) return;
  await context.addCookies([
    { name: credential.name, value: credential.value, url: origin, httpOnly: true, sameSite: "Strict" },
  ]);
}

export class ReportPrinter {
  private browser: Promise<Browser> | undefined;
  private idle: NodeJS.Timeout | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  private readonly executable: string | undefined;

  /** `chromium`: the browser to launch (undefined: none on this machine); found on PATH when not given. */
  constructor(options: { chromium?: string | undefined } = {}) {
    this.executable = "chromium" in options ? options.chromium : findChromium();
  }

  /** The report as a PDF: `origin` is where this BFF serves the web app (e.g. http://127.0.0.1:4317). */
  async pdf(origin: string, report: EvidenceReport, paper: Paper, credential?: Credential): Promise<Buffer> {
    return this.withPage(async (browser) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
      try {
        await withCredential(context, origin, credential);
        const page = await context.newPage();
        // The page asks for the report model; it gets exactly the one this PDF is for.
        await page.route("**/api/export/report.json**", (route) =>
          route.fulfill({ contentType: "application/json", body: JSON.stringify(report) }),
        );
        await page.goto(`${origin}/report?paper=${paper}`);
        await waitReady(page, "html[data-report-ready]");
        await page.emulateMedia({ media: "print" });
        const scope = escapeHtml(report.meta.scopeText);
        return await page.pdf({
          format: paper === "letter" ? "Letter" : "A4",
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: "<span></span>",
          footerTemplate: `<div style="font-family:sans-serif;font-size:8px;color:#444;width:100%;padding:0 12mm;display:flex;justify-content:space-between"><span>Trustmap evidence report · ${scope} · revision ${report.meta.revision}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
          margin: { top: "14mm", bottom: "16mm", left: "12mm", right: "12mm" },
          outline: true,
          tagged: true,
        });
      } finally {
        await context.close();
      }
    });
  }

  /** A PNG of a dashboard page, its whole length (`?capture=1` lets the page grow instead of scrolling). */
  async screenshot(origin: string, shot: Screenshot, credential?: Credential): Promise<Buffer> {
    return this.withPage(async (browser) => {
      const context = await browser.newContext({
        viewport: { width: shot.width, height: 900 },
        deviceScaleFactor: shot.scale,
        colorScheme: "light",
      });
      try {
        await withCredential(context, origin, credential);
        const page = await context.newPage();
        const url = new URL(shot.path, origin);
        url.searchParams.set("capture", "1");
        await page.goto(url.href);
        await waitReady(page, "[data-export-root][data-ready='true']");
        // The status line in the picture is the source's as the BFF answers now, never a guess.
        await waitReady(page, "[data-testid='status'][data-ready='true']");
        return await page.screenshot({ fullPage: true, type: "png" });
      } finally {
        await context.close();
      }
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idle);
    const browser = this.browser;
    this.browser = undefined;
    if (browser !== undefined) await (await browser.catch(() => undefined))?.close();
  }

  private async withPage<T>(work: (browser: Browser) => Promise<T>): Promise<T> {
    if (this.executable === undefined) throw new PrinterUnavailable(NO_CHROMIUM);
    if (this.running >= CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    clearTimeout(this.idle);
    try {
      return await work(await this.launch(this.executable));
    } finally {
      this.running--;
      this.waiting.shift()?.();
      if (this.running === 0) this.idle = setTimeout(() => void this.close(), IDLE_CLOSE_MS).unref();
    }
  }

  private launch(executablePath: string): Promise<Browser> {
    if (this.browser === undefined) {
      // Loaded on the first export: playwright-core takes half a second to load, which a BFF
      // that never prints would pay at every start.
      const launching = import("playwright-core").then(({ chromium }) =>
        chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }),
      );
      this.browser = launching;
      launching.then(
        (browser) =>
          browser.on("disconnected", () => {
            if (this.browser === launching) this.browser = undefined;
          }),
        () => {
          if (this.browser === launching) this.browser = undefined;
        },
      );
      return launching.catch((error: Error) => {
        throw new PrinterUnavailable(`Chromium (${executablePath}) did not start: ${error.message}`);
      });
    }
    return this.browser;
  }
}

/** Waits for the page to say it is ready, or fails with what the page says went wrong. */
async function waitReady(page: import("playwright-core").Page, selector: string): Promise<void> {
  const failed = page
    .waitForSelector("[data-export-error]", { timeout: READY_TIMEOUT_MS })
    .then(async (element) => {
      throw new Error(`the page could not be rendered: ${(await element?.textContent()) ?? "unknown error"}`);
    });
  failed.catch(() => undefined);
  await Promise.race([
    page.waitForSelector(selector, { state: "attached", timeout: READY_TIMEOUT_MS }),
    failed,
  ]);
}
