import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EvidenceReport, Paper } from "@trustmap/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_QUEUE, PRINT_QUEUE } from "../api/routes";
import { ReportPrinter, type Screenshot } from "../export/printer";
import { AUDIT, jsonLogger, type Level, type Logger } from "../log";
import type { RunningServer } from "../server";
import { ScriptedSource } from "../testing/scripted";
import { SHOP, serveObjects } from "../testing/serve";
import { allowedHostsOption, HostPolicy, parseHost } from "./hosts";

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A GET with exactly these headers (fetch would not let a test write Host), over TCP or a Unix socket. */
function get(
  target: { port: number } | { socketPath: string },
  pathname: string,
  headers: OutgoingHttpHeaders = {},
  signal?: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        ...("port" in target ? { host: "127.0.0.1", port: target.port } : target),
        path: pathname,
        headers,
        ...(signal === undefined ? {} : { signal }),
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** A built web app as the BFF serves it: the page, a script, and the script's source map left beside it. */
function webRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "trustmap-web-"));
  mkdirSync(path.join(root, "assets"));
  writeFileSync(path.join(root, "index.html"), "<!doctype html><title>Trustmap</title>");
  writeFileSync(
    path.join(root, "assets", "app.js"),
    "console.log('app');\n//# sourceMappingURL=app.js.map\n",
  );
  writeFileSync(path.join(root, "assets", "app.js.map"), '{"version":3,"sources":["src/main.tsx"]}');
  return root;
}

/** Every line the server logs, kept for the test to read. */
function capturingLogger(): Logger & {
  readonly lines: { level: Level; message: string; fields: unknown }[];
} {
  const lines: { level: Level; message: string; fields: unknown }[] = [];
  return { lines, log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
}

/** Prints nothing until released: printing that takes as long as the test wants, to fill the queue. */
class GatedPrinter extends ReportPrinter {
  readonly started: string[] = [];
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.opened = resolve;
  });

  constructor() {
    super({ chromium: undefined });
  }

  release(): void {
    this.opened();
  }

  override async pdf(_origin: string, report: EvidenceReport, paper: Paper): Promise<Buffer> {
    this.started.push(`pdf ${report.meta.scopeText} ${paper}`);
    await this.gate;
    return Buffer.from("%PDF-1.7 stub");
  }

  override async screenshot(_origin: string, shot: Screenshot): Promise<Buffer> {
    this.started.push(`png ${shot.path}`);
    await this.gate;
    return Buffer.from("\x89PNG stub", "latin1");
  }
}

const port = (server: RunningServer) => Number(new URL(server.url).port);

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe("the allowed host names", () => {
  it("reads --allow-host and TRUSTMAP_ALLOWED_HOSTS together, and names the one that is not a host", () => {
    expect(
      allowedHostsOption(["trustmap.example.com", "tunnel.local:8080"], " a.example , [fd00::1]:9,"),
    ).toEqual(["trustmap.example.com", "tunnel.local:8080", "a.example", "[fd00::1]:9"]);
    expect(allowedHostsOption(undefined, undefined)).toEqual([]);
    expect(() => allowedHostsOption(["http://trustmap.example.com"])).toThrow(
      '--allow-host: "http://trustmap.example.com" is not a host name',
    );
    expect(() => allowedHostsOption([], "ok.example,bad name")).toThrow(
      'TRUSTMAP_ALLOWED_HOSTS: "bad name" is not a host name',
    );
    expect(() => allowedHostsOption(["x.example:70000"])).toThrow('"x.example:70000"');
  });

  it("reads Host headers as browsers write them", () => {
    expect(parseHost("LocalHost:4317")).toEqual({ name: "localhost", port: 4317 });
    expect(parseHost("[::1]:4317")).toEqual({ name: "[::1]", port: 4317 });
    expect(parseHost("::1")).toEqual({ name: "[::1]" });
    expect(parseHost("127.0.0.1")).toEqual({ name: "127.0.0.1" });
    expect(parseHost("evil.example:4317/x")).toBeUndefined();
    expect(parseHost("a b")).toBeUndefined();
    expect(parseHost("")).toBeUndefined();
  });

  it("allows every address of the machine when listening on all of them", () => {
    const policy = new HostPolicy({ addresses: ["0.0.0.0"], port: 4317 });
    expect(policy.allows("127.0.0.1:4317")).toBe(true);
    expect(policy.allows("evil.example:4317")).toBe(false);
    expect(policy.allows("0.0.0.0:4317")).toBe(false);
  });
});

describe("the BFF's HTTP surface", () => {
  let server: RunningServer;
  let logger: ReturnType<typeof capturingLogger>;
  let printer: GatedPrinter;

  /** The audit trail's lines of one event so far. */
  function audits(event: string): Record<string, unknown>[] {
    return logger.lines
      .filter((line) => line.message === AUDIT)
      .map((line) => line.fields as Record<string, unknown>)
      .filter((fields) => fields.event === event);
  }

  beforeAll(async () => {
    logger = capturingLogger();
    printer = new GatedPrinter();
    ({ server } = await serveObjects(SHOP, new ScriptedSource(), {
      webRoot: webRoot(),
      logger,
      printer,
      allowedHosts: ["trustmap.example.com", "tunnel.example:8080"],
    }));
  });

  afterAll(async () => {
    printer.release();
    await server.close();
  });

  afterEach(() => {
    expect(logger.lines.filter((line) => line.level === "error" || line.level === "warn")).toEqual([]);
  });

  it("refuses a Host that is not an allowed name, on the API and the static files, saying which are", async () => {
    const p = port(server);
    for (const pathname of ["/api/cluster", "/api/rbac", "/api/export/report.json", "/api/nope"]) {
      const answer = await get({ port: p }, pathname, { host: `evil.example:${p}` });
      expect(answer.status).toBe(421);
      const { error } = JSON.parse(answer.body) as { error: string };
      expect(error).toContain(`Host "evil.example:${p}" is not a name this Trustmap answers to`);
      expect(error).toContain(`localhost:${p}, 127.0.0.1:${p}, [::1]:${p}`);
      expect(error).toContain("trustmap.example.com (any port), tunnel.example:8080");
      expect(error).toContain("--allow-host NAME[:PORT]");
      expect(error).toContain("TRUSTMAP_ALLOWED_HOSTS");
    }
    for (const pathname of ["/", "/assets/app.js", "/index.html", "/rbac?x=1"]) {
      const answer = await get({ port: p }, pathname, { host: `evil.example:${p}` });
      expect(answer.status).toBe(421);
      expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
      expect(answer.body).toContain("--allow-host NAME[:PORT]");
      expect(answer.body).not.toContain("<title>");
      expect(answer.body).not.toContain("console.log");
    }
    // Each refusal is a line of the audit trail: what was asked, by which Host, from where, and why.
    const denied = audits("denied").filter((fields) => fields.host === `evil.example:${p}`);
    expect(denied.map((fields) => fields.path)).toEqual([
      "/api/cluster",
      "/api/rbac",
      "/api/export/report.json",
      "/api/nope",
      "/",
      "/assets/app.js",
      "/index.html",
      "/rbac",
    ]);
    for (const fields of denied) {
      expect(fields).toMatchObject({ status: 421, method: "GET", user: "anonymous", remote: "127.0.0.1" });
      expect(fields.reason).toContain(`Host "evil.example:${p}" is not a name this Trustmap answers to`);
    }
  });

  it("answers loopback names and the bound address on its port, in any case, and configured names", async () => {
    const p = port(server);
    for (const host of [
      `localhost:${p}`,
      `LOCALHOST:${p}`,
      `127.0.0.1:${p}`,
      `[::1]:${p}`,
      "localhost",
      "trustmap.example.com",
      "TrustMap.Example.com:443",
      "tunnel.example:8080",
    ]) {
      const api = await get({ port: p }, "/api/cluster", { host });
      expect(api.status, host).toBe(200);
      expect(JSON.parse(api.body)).toHaveProperty("revision");
      const page = await get({ port: p }, "/", { host });
      expect(page.status, host).toBe(200);
      expect(page.body).toContain("<title>Trustmap</title>");
    }
    for (const host of [
      `localhost:${p + 1}`,
      `127.0.0.1:${p === 80 ? 81 : 80}`,
      "tunnel.example:8081",
      "tunnel.example.evil.example",
      "127.0.0.2",
    ]) {
      expect((await get({ port: p }, "/api/cluster", { host })).status, host).toBe(421);
    }
  });

  it("refuses exports asked for by a page of another site, and makes them for its own pages", async () => {
    const p = port(server);
    const own = { host: `127.0.0.1:${p}` };
    for (const pathname of [
      "/api/export/report.pdf",
      "/api/export/page.png?page=gaps",
      "/api/export/report.json",
      "/api/export/rbac.csv",
    ]) {
      for (const headers of [
        { origin: "https://evil.example" },
        { origin: `http://evil.example:${p}` },
        { origin: "null" },
        { origin: `http://localhost:${p}` },
        { "sec-fetch-site": "cross-site" },
        { "sec-fetch-site": "same-site" },
        { "sec-fetch-site": "same-origin", origin: "https://evil.example" },
      ]) {
        const answer = await get({ port: p }, pathname, { ...own, ...headers });
        expect(answer.status, `${pathname} ${JSON.stringify(headers)}`).toBe(403);
        expect(JSON.parse(answer.body).error).toMatch(
          /^exports are made for this dashboard's own pages only/,
        );
      }
    }
    expect(printer.started).toEqual([]);
    const refused = audits("denied").filter((fields) => fields.status === 403);
    expect(refused).toHaveLength(4 * 7);
    expect(refused).toContainEqual(
      expect.objectContaining({
        path: "/api/export/rbac.csv",
        site: "cross-site",
        reason: expect.stringMatching(/^exports are made for this dashboard's own pages only/),
      }),
    );
    expect(audits("export")).toEqual([]);
    for (const headers of [
      {},
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      { origin: `http://127.0.0.1:${p}` },
      { origin: `https://127.0.0.1:${p}`, "sec-fetch-site": "same-origin" },
    ]) {
      const answer = await get({ port: p }, "/api/export/report.json", { ...own, ...headers });
      expect(answer.status, JSON.stringify(headers)).toBe(200);
      expect(JSON.parse(answer.body).meta.scopeText).toBe("Whole cluster");
    }
    // Each export made is a line of the audit trail, with its filters and the revision it read.
    const filtered = await get({ port: p }, "/api/export/report.csv?namespace=shop&severity=high", own);
    expect(filtered.status).toBe(200);
    const made = audits("export");
    expect(made).toHaveLength(6);
    expect(made.at(-1)).toEqual({
      event: "export",
      path: "/api/export/report.csv",
      filters: { namespace: "shop", severity: "high" },
      revision: Number(filtered.headers["x-trustmap-revision"]),
      user: "anonymous",
      remote: "127.0.0.1",
    });
  });

  it("queues printing, one running and four waiting, and answers 429 with Retry-After beyond", async () => {
    expect(PRINT_QUEUE).toMatchObject({ running: 1, waiting: 4, retryAfterS: 10 });
    expect(EXPORT_QUEUE).toMatchObject({ running: 2, waiting: 8 });
    const p = port(server);
    const print = server.queues.print;
    const asked = [
      "/api/export/report.pdf",
      "/api/export/report.pdf?namespace=shop&paper=letter",
      "/api/export/page.png?page=gaps",
      "/api/export/page.png?page=rbac",
    ].map((pathname) => get({ port: p }, pathname, { "sec-fetch-site": "same-origin" }));
    await until(() => print.running === 1 && print.waiting === 3 && printer.started.length === 1);
    expect(printer.started).toEqual(["pdf Whole cluster a4"]);
    const giving = new AbortController();
    const gaveUp = get({ port: p }, "/api/export/report.pdf?namespace=lab", {}, giving.signal).catch(
      (error: Error) => error.name,
    );
    await until(() => print.waiting === 4);

    const refused = await get({ port: p }, "/api/export/page.png?page=gaps", {});
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("10");
    expect(JSON.parse(refused.body).error).toBe(
      "PDF reports and page screenshots: 1 running and 4 waiting already; try again in 10 s",
    );
    // Data exports have their own line: they are not held behind the printing.
    expect((await get({ port: p }, "/api/export/rbac.json")).status).toBe(200);

    // A client that gives up leaves the line, and its place is taken.
    giving.abort();
    expect(await gaveUp).toBe("AbortError");
    await until(() => print.waiting === 3);
    asked.push(get({ port: p }, "/api/export/report.pdf?namespace=shop"));
    await until(() => print.waiting === 4);

    printer.release();
    const answers = await Promise.all(asked);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.headers["content-type"]).toBe("application/pdf");
    expect(answers[2]!.headers["content-type"]).toBe("image/png");
    expect(printer.started).toEqual([
      "pdf Whole cluster a4",
      "pdf Namespace shop letter",
      "png /?tab=gaps",
      "png /?tab=rbac",
      "pdf Namespace shop a4",
    ]);
    expect(print.running + print.waiting).toBe(0);
    expect((await get({ port: p }, "/api/export/page.png?page=rbac")).status).toBe(200);
  });

  it("answers malformed percent-encoding with a 400 naming the parameter, and logs no stack", async () => {
    const p = port(server);
    const cases: [string, string][] = [
      ["/api/nodes/%", 'path parameter "id": "%" is not valid percent-encoding'],
      ["/api/nodes/%ff", 'path parameter "id": "%ff" is not valid percent-encoding'],
      ["/api/nodes/ns%3Ashop%E0%A4%A", 'path parameter "id": "ns%3Ashop%E0%A4%A" is not valid'],
      ["/api/export/report.%", 'path parameter "format": "%" is not valid percent-encoding'],
      ["/api/export/rbac.%zz", 'path parameter "format": "%zz" is not valid percent-encoding'],
      ["/api/findings?search=%zz", 'query parameter "search": "%zz" is not valid percent-encoding'],
      ["/api/rbac?verb=get&subject=a%", 'query parameter "subject": "a%" is not valid percent-encoding'],
      ["/api/findings?%ff=1", 'query parameter name "%ff" is not valid percent-encoding'],
    ];
    for (const [pathname, message] of cases) {
      const answer = await get({ port: p }, pathname);
      expect(answer.status, pathname).toBe(400);
      expect(JSON.parse(answer.body).error, pathname).toContain(message);
    }
    // Well-formed encoding still means what it says.
    expect((await get({ port: p }, "/api/nodes/%25")).status).toBe(404);
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toMatch(/URIError|stack|\bat .+\.js:\d+/);
    expect(logger.lines.filter((line) => line.message === "request failed")).toEqual([]);
  });

  it("serves no source maps, even one left beside a script", async () => {
    const p = port(server);
    expect((await get({ port: p }, "/assets/app.js")).status).toBe(200);
    for (const pathname of ["/assets/app.js.map", "/assets/APP.JS.MAP", "/assets/missing.js.map"]) {
      const answer = await get({ port: p }, pathname);
      expect(answer.status, pathname).toBe(404);
      expect(answer.body).not.toContain("sources");
    }
  });
});

describe("the BFF on a Unix socket", () => {
  it("answers loopback names on any port (it has none) and configured names, and refuses others", async () => {
    const socketPath = path.join(mkdtempSync(path.join(tmpdir(), "trustmap-")), "bff.sock");
    const { server } = await serveObjects(SHOP, new ScriptedSource(), {
      socketPath,
      allowedHosts: ["trustmap.example.com"],
    });
    try {
      for (const host of ["localhost", "localhost:8080", "127.0.0.1:80", "trustmap.example.com"])
        expect((await get({ socketPath }, "/api/cluster", { host })).status, host).toBe(200);
      const refused = await get({ socketPath }, "/api/cluster", { host: "evil.example" });
      expect(refused.status).toBe(421);
      expect(JSON.parse(refused.body).error).toContain("Allowed: localhost (any port), 127.0.0.1 (any port)");
    } finally {
      await server.close();
    }
  });
});

describe("the JSON log", () => {
  it("writes audit lines whatever level is asked for, and other lines from that level up", () => {
    const written: string[] = [];
    const logger = jsonLogger((line) => written.push(line), "error");
    logger.log("info", "request", { path: "/api/cluster" });
    logger.log("warn", "slow", {});
    logger.log("info", AUDIT, { event: "export", path: "/api/export/report.pdf" });
    logger.log("error", "request failed", {});
    expect(written.map((line) => JSON.parse(line).message)).toEqual([AUDIT, "request failed"]);
    expect(JSON.parse(written[0]!)).toMatchObject({
      level: "info",
      event: "export",
      path: "/api/export/report.pdf",
    });
  });
});
