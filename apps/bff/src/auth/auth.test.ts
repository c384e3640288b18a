import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuthSession, EvidenceReport } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ChangeLog } from "../history/change-log";
import { embeddedDatabase } from "../history/database";
import { jsonLogger } from "../log";
import type { RunningServer, ServerOptions } from "../server";
import { RESOURCES } from "../sources/kube/resources";
import type { ClusterReviews } from "../sources/kube/reviews";
import { ScriptedSource } from "../testing/scripted";
import { csrfHeaders, SHOP, serveObjects } from "../testing/serve";
import { Accesses, decideAccess, userKey } from "./access";
import { authSettings } from "./config";
import { FailedLogins } from "./failures";
import { ProxyAddresses } from "./proxies";
import { randomSecret, Sessions } from "./sessions";

const ALICE = { name: "alice", groups: ["team-a", "system:authenticated"] };

describe("session cookies", () => {
  it("read back what they carry, and refuse a forged, edited, expired or ended one", () => {
    let now = 1_000_000;
    const sessions = new Sessions(randomSecret(), () => now);
    const { session, value } = sessions.create(ALICE, "token", 60_000);
    expect(sessions.read(value)).toEqual(session);
    expect(session.user).toEqual(ALICE);

    // Signed with another secret: refused.
    const other = new Sessions(randomSecret(), () => now).create(ALICE, "token", 60_000).value;
    expect(sessions.read(other)).toBeUndefined();
    // The payload edited (another user), the signature kept: refused.
    const [body, signature] = value.split(".") as [string, string];
    const edited = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    edited.u = "cluster-admin";
    expect(
      sessions.read(`${Buffer.from(JSON.stringify(edited)).toString("base64url")}.${signature}`),
    ).toBeUndefined();
    for (const junk of ["", ".", "x", `${body}.`, `.${signature}`, `${body}.${signature}x`])
      expect(sessions.read(junk)).toBeUndefined();

    // Ended (logout): refused from then on, other sessions still read.
    const second = sessions.create(ALICE, "token", 60_000);
    sessions.end(session);
    expect(sessions.read(value)).toBeUndefined();
    expect(sessions.read(second.value)).toEqual(second.session);

    // Expired.
    now += 60_000;
    expect(sessions.read(second.value)).toBeUndefined();
  });

  it("give CSRF tokens bound to their session or nonce", () => {
    const sessions = new Sessions(randomSecret());
    const token = sessions.csrfToken("session:abc");
    expect(sessions.checkCsrf("session:abc", token)).toBe(true);
    expect(sessions.checkCsrf("session:abd", token)).toBe(false);
    expect(sessions.checkCsrf("session:abc", undefined)).toBe(false);
    expect(sessions.checkCsrf("session:abc", `${token.slice(0, -1)}A`)).toBe(token.endsWith("A"));
    expect(() => new Sessions(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});

describe("login settings", () => {
  const cluster = { host: "127.0.0.1", cluster: true };

  it("refuse anonymous beyond loopback, and strategies that need a cluster without one", () => {
    expect(() => authSettings({}, {}, { host: "0.0.0.0", cluster: true })).toThrow(
      /--auth anonymous on 0\.0\.0\.0: .*loopback only/,
    );
    expect(() =>
      authSettings({}, { TRUSTMAP_AUTH: "anonymous" }, { host: "10.1.2.3", cluster: true }),
    ).toThrow(/anonymous on 10\.1\.2\.3/);
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
      expect(authSettings({}, {}, { host, cluster: false }).strategy).toBe("anonymous");
    // A Unix socket has no address anyone else reaches.
    expect(authSettings({}, {}, { cluster: false }).strategy).toBe("anonymous");
    expect(() => authSettings({ auth: "token" }, {}, { host: "127.0.0.1", cluster: false })).toThrow(
      /--auth token needs a Kubernetes API server/,
    );
    expect(() => authSettings({ auth: "kerberos" }, {}, cluster)).toThrow(
      /--auth: "kerberos" is not a login strategy/,
    );
    expect(() => authSettings({}, { TRUSTMAP_AUTH: "none" }, cluster)).toThrow(/TRUSTMAP_AUTH: "none"/);
  });

  it("name the flag or variable of a bad value", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-auth-"));
    const short = path.join(dir, "short");
    writeFileSync(short, "too-short\n");
    expect(() => authSettings({ auth: "token", "session-secret-file": short }, {}, cluster)).toThrow(
      /--session-secret-file: a session secret needs at least 32 bytes/,
    );
    expect(() =>
      authSettings({ auth: "token", "session-secret-file": path.join(dir, "missing") }, {}, cluster),
    ).toThrow(/--session-secret-file: cannot read .*missing/);
    expect(() => authSettings({ auth: "token" }, { TRUSTMAP_SESSION_SECRET: "x" }, cluster)).toThrow(
      /TRUSTMAP_SESSION_SECRET: a session secret needs at least 32 bytes/,
    );
    expect(() => authSettings({ auth: "token", "session-ttl": "forever" }, {}, cluster)).toThrow(
      /--session-ttl: "forever" is not a duration/,
    );
    expect(authSettings({ auth: "token", "session-ttl": "30m" }, {}, cluster).sessionTtlMs).toBe(1_800_000);
    expect(() => authSettings({ auth: "token", "public-url": "ftp://x" }, {}, cluster)).toThrow(
      /--public-url: "ftp:\/\/x" is not an http\(s\) URL/,
    );
    expect(() => authSettings({ auth: "header" }, {}, cluster)).toThrow(
      /--auth header needs the authenticating proxy's addresses/,
    );
    expect(() => authSettings({ auth: "header", "auth-proxy": ["10.0.0.0/33"] }, {}, cluster)).toThrow(
      /--auth-proxy: "10\.0\.0\.0\/33" is not an address or a CIDR range/,
    );
    expect(() => authSettings({ auth: "header" }, { TRUSTMAP_AUTH_PROXIES: "proxy.local" }, cluster)).toThrow(
      /TRUSTMAP_AUTH_PROXIES: "proxy\.local"/,
    );
    expect(() =>
      authSettings({ auth: "header", "auth-proxy": ["10.0.0.1"], "auth-user-header": "X User" }, {}, cluster),
    ).toThrow(/--auth-user-header: "X User" is not a header name/);
    expect(() => authSettings({ auth: "oidc" }, {}, cluster)).toThrow(
      /--oidc-issuer URL and --oidc-client-id/,
    );
    expect(() =>
      authSettings({ auth: "oidc", "oidc-issuer": "http://idp", "oidc-client-id": "t" }, {}, cluster),
    ).toThrow(/--oidc-issuer: "http:\/\/idp" is not an https URL/);
    expect(() =>
      authSettings({ auth: "oidc", "oidc-issuer": "https://idp", "oidc-client-id": "t" }, {}, cluster),
    ).toThrow(/--auth oidc needs --public-url/);
  });

  it("match the proxy's addresses and ranges, IPv4 seen through IPv6 too", () => {
    const proxies = new ProxyAddresses(["10.0.3.7", "192.168.0.0/16", "fd00::/8"], "--auth-proxy");
    expect(proxies.includes("10.0.3.7")).toBe(true);
    expect(proxies.includes("::ffff:10.0.3.7")).toBe(true);
    expect(proxies.includes("10.0.3.8")).toBe(false);
    expect(proxies.includes("192.168.44.1")).toBe(true);
    expect(proxies.includes("fd12::1")).toBe(true);
    expect(proxies.includes("fe80::1")).toBe(false);
    expect(proxies.includes(undefined)).toBe(false);
    expect(proxies.includes("not-an-address")).toBe(false);
  });

  it("make an address that keeps failing wait longer and longer", () => {
    let now = 0;
    const failures = new FailedLogins(() => now);
    for (let i = 0; i < 5; i++) {
      expect(failures.waitMs("a")).toBe(0);
      failures.failed("a");
    }
    expect(failures.waitMs("a")).toBe(2_000);
    expect(failures.waitMs("b")).toBe(0);
    failures.failed("a");
    expect(failures.waitMs("a")).toBe(4_000);
    now += 4_000;
    expect(failures.waitMs("a")).toBe(0);
    failures.succeeded("a");
    failures.failed("a");
    expect(failures.waitMs("a")).toBe(0);
  });
});

describe("the header strategy", () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function serve(
    proxy: string,
    lines: string[],
    options: Partial<ServerOptions> = {},
  ): Promise<RunningServer> {
    const auth = authSettings(
      { auth: "header", "auth-proxy": [proxy], "auth-groups-header": "X-Groups" },
      {},
      { host: "127.0.0.1", cluster: true },
    );
    // Alice may read the shop namespace only; the auditor every namespace (the real answers come
    // from an API server: see scope.real.test.ts).
    const reviews: ClusterReviews = {
      tokenReview: async () => ({ authenticated: false, reason: "no tokens here" }),
      accessReview: async (user, question) =>
        user.name.startsWith("auditor") || (user.name === "alice" && question.namespace === "shop"),
    };
    const { server } = await serveObjects(SHOP, new ScriptedSource("connected", reviews), {
      auth,
      logger: jsonLogger((line) => lines.push(line), "warn"),
      ...options,
    });
    running = server;
    return server;
  }

  it("refuses the change log, in every answer that reads it, to a user who may read some namespaces only", async () => {
    const server = await serve("127.0.0.1", [], {
      changes: await ChangeLog.open(await embeddedDatabase(undefined), "scripted test source"),
    });
    const alice = { "X-Remote-User": "alice" };
    const since = new Date(Date.now() - 60_000).toISOString();
    for (const path of [
      "api/changes",
      `api/changes/compare?since=${since}`,
      `api/changes/overlay?view=namespace:shop&since=${since}`,
      "api/changes/reports",
      "api/changes/status",
      "api/changes/deliveries",
      `api/rbac?since=${since}`,
      `api/export/report.json?since=${since}`,
      "api/stream?view=namespace:shop&changes=1",
    ]) {
      const response = await fetch(`${server.url}${path}`, { headers: alice });
      expect([path, response.status]).toEqual([path, 403]);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /the change log:? (it )?is about the whole cluster|answers about the whole cluster/,
      );
    }
    // What the log is not needed for stays hers; the log is the auditor's.
    expect((await fetch(`${server.url}api/rbac`, { headers: alice })).status).toBe(200);
    const auditor = { "X-Remote-User": "auditor" };
    expect((await fetch(`${server.url}api/changes`, { headers: auditor })).status).toBe(200);
    expect((await fetch(`${server.url}api/rbac?since=${since}`, { headers: auditor })).status).toBe(200);
  });

  it("keeps drafts to users who may read the whole cluster, each changed by its author alone", async () => {
    const server = await serve("127.0.0.1", [], {
      changes: await ChangeLog.open(await embeddedDatabase(undefined), "scripted test source"),
    });
    const json = { "content-type": "application/json" };
    const as = (user: string) => ({ "X-Remote-User": user });
    const body = JSON.stringify({ name: "try", manifests: "", deletions: [] });
    // Each change with the CSRF token the page would send, from its user's session.
    const changing = (user: string) => csrfHeaders(server.url, as(user));
    const made = await fetch(`${server.url}api/drafts`, {
      method: "POST",
      headers: { ...(await changing("auditor")), ...json },
      body,
    });
    expect(made.status).toBe(201);
    const { id, author } = (await made.json()) as { id: string; author: string };
    expect(author).toBe("auditor");
    for (const [method, path] of [
      ["GET", "api/drafts"],
      ["POST", "api/drafts"],
      ["GET", `api/drafts/${id}`],
      ["GET", `api/drafts/${id}/difference`],
      ["GET", `api/drafts/${id}/graph?view=namespace:shop`],
      ["GET", `api/drafts/${id}/yaml`],
      ["GET", "api/drafts/connections?namespace=shop"],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(method === "GET" ? as("alice") : await changing("alice")), ...json },
        ...(method === "POST" ? { body } : {}),
      });
      expect([path, response.status]).toEqual([path, 403]);
    }
    // A colleague opens the link and reads it; changing or deleting it is its author's.
    const other = as("auditor2");
    expect((await fetch(`${server.url}api/drafts/${id}/difference`, { headers: other })).status).toBe(200);
    const seen = (await (await fetch(`${server.url}api/drafts/${id}`, { headers: other })).json()) as {
      yours: boolean;
    };
    expect(seen.yours).toBe(false);
    const changed = await fetch(`${server.url}api/drafts/${id}`, {
      method: "PUT",
      headers: { ...(await changing("auditor2")), ...json },
      body,
    });
    expect(changed.status).toBe(403);
    expect(((await changed.json()) as { error: string }).error).toBe(
      `draft ${id} is auditor's: open it and save a copy to change it`,
    );
    const removed = await fetch(`${server.url}api/drafts/${id}`, {
      method: "DELETE",
      headers: await changing("auditor2"),
    });
    expect(removed.status).toBe(403);
    const put = await fetch(`${server.url}api/drafts/${id}`, {
      method: "PUT",
      headers: { ...(await changing("auditor")), ...json },
      body,
    });
    expect(put.status).toBe(200);
    const deleted = await fetch(`${server.url}api/drafts/${id}`, {
      method: "DELETE",
      headers: await changing("auditor"),
    });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${server.url}api/drafts/${id}`, { headers: as("auditor") })).status).toBe(404);
  });

  it("takes the user and groups from the proxy's headers, and refuses other addresses with 401", async () => {
    const lines: string[] = [];
    const server = await serve("127.0.0.1", lines);
    const headers = { "X-Remote-User": "alice", "X-Groups": "team-a" };
    const session = AuthSession.parse(
      await (await fetch(`${server.url}api/auth/session`, { headers })).json(),
    );
    expect(session).toMatchObject({
      strategy: "header",
      user: { name: "alice", groups: ["team-a", "system:authenticated"] },
      access: { cluster: false, namespaces: ["shop"], hidden: 1 },
    });
    expect(session.canLogOut).toBe(false);

    const anonymous = await fetch(`${server.url}api/cluster`);
    expect(anonymous.status).toBe(401);
    const body = (await anonymous.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatch(/the authenticating proxy named no user \(header X-Remote-User\)/);

    // Alice reads the shop namespace: its summary, nothing of lab; her report is of shop alone and
    // says what is withheld; lab's report is refused.
    const namespaces = (await (await fetch(`${server.url}api/namespaces`, { headers })).json()) as {
      namespaces: { name: string }[];
    };
    expect(namespaces.namespaces.map((n) => n.name)).toEqual(["shop"]);
    const report = EvidenceReport.parse(
      await (await fetch(`${server.url}api/export/report.json`, { headers })).json(),
    );
    expect(report.meta.scope).toEqual({ kind: "namespaces", namespaces: ["shop"] });
    expect(report.meta.access).toMatchObject({ user: "alice", hidden: 1 });
    expect(report.counts.namespaces).toBe(1);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings)
      for (const ref of finding.objects) expect(ref.split("/")[1]).toBe("shop");
    const refused = await fetch(`${server.url}api/export/report.json?namespace=lab`, { headers });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /your access covers shop \(1 namespace hidden/,
    );
    const exported = await fetch(`${server.url}api/export/report.json`, {
      headers: { "X-Remote-User": "auditor" },
    });
    expect(exported.status).toBe(200);
    const audit = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toContainEqual(
      expect.objectContaining({ message: "audit", event: "export", user: "auditor" }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ message: "audit", event: "denied", status: 403, user: "alice" }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ message: "audit", event: "denied", status: 401, user: "anonymous" }),
    );
  });

  it("refuses the same headers from an address that is not the proxy's", async () => {
    const server = await serve("10.9.9.9", []);
    const response = await fetch(`${server.url}api/cluster`, { headers: { "X-Remote-User": "alice" } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /requests must come through the authenticating proxy \(10\.9\.9\.9\), not from (::ffff:)?127\.0\.0\.1/,
    );
    // The stream too: no event, no data.
    const stream = await fetch(`${server.url}api/stream?view=cluster`, {
      headers: { "X-Remote-User": "alice" },
    });
    expect(stream.status).toBe(401);
    expect(stream.headers.get("content-type")).toMatch(/application\/json/);
  });
});

describe("anonymous", () => {
  it("refuses to start on a non-loopback address", async () => {
    await expect(serveObjects(SHOP, undefined, { host: "0.0.0.0" })).rejects.toThrow(
      /--auth anonymous on 0\.0\.0\.0/,
    );
  });
});

describe("accesses", () => {
  it("are decided part by part: the network picture where pods, accounts and policies may be listed, RBAC where Roles and RoleBindings may", async () => {
    const rbacKinds = new Set(["roles", "rolebindings"]);
    const reviews: ClusterReviews = {
      tokenReview: async () => ({ authenticated: false, reason: "none" }),
      // Pods, service accounts and policies in shop; Roles and RoleBindings in lab; in ops,
      // RoleBindings but not Roles, and pods but not policies.
      accessReview: async (_user, { resource, namespace }) =>
        namespace === "shop"
          ? !rbacKinds.has(resource)
          : namespace === "lab"
            ? rbacKinds.has(resource)
            : namespace === "ops"
              ? resource === "rolebindings" || resource === "pods" || resource === "serviceaccounts"
              : false,
    };
    const access = await decideAccess(reviews, { name: "carol", groups: [] }, ["ops", "lab", "shop", "dev"]);
    expect(access).toMatchObject({ cluster: false, namespaces: ["shop"], rbac: ["lab"], hidden: 2 });
  });

  it("are decided once, again only for users a change touches, and never in a loop", async () => {
    const asked: string[] = [];
    const reviews: ClusterReviews = {
      tokenReview: async () => ({ authenticated: false, reason: "none" }),
      accessReview: async (user, question) => {
        asked.push(`${user.name} ${question.resource} ${question.namespace}`);
        return question.namespace === "shop";
      },
    };
    const accesses = new Accesses(reviews, async () => ["lab", "shop"]);
    const alice = { name: "alice", groups: ["team-a"] };
    const bob = { name: "bob", groups: ["team-b"] };
    const first = await accesses.get(alice);
    expect(first).toMatchObject({ cluster: false, namespaces: ["shop"], rbac: ["shop"], hidden: 1 });
    // Every kind cluster-wide (the eight of the core and RBAC, the three cluster-wide policy
    // kinds, Services, Ingresses and the six Gateway API kinds), then per namespace and part: lab
    // stops at its pods and at its RoleBindings, shop asks every namespaced kind.
    expect(RESOURCES).toHaveLength(19);
    expect(first.reviews).toBe(19 + 2 + 5);
    expect(first).toMatchObject({ clusterPolicies: false, exposure: false });
    await accesses.get(bob);
    const before = asked.length;
    expect(await accesses.get(alice)).toBe(first);
    expect(asked.length).toBe(before);

    // A listener that asks again at once (as the streams do) sees the new decision, once.
    const told: string[] = [];
    accesses.onChange((key) => {
      told.push(key);
      void accesses.get(key.includes("alice") ? alice : bob);
    });
    accesses.changed(["Group/team-a"], false);
    expect(told).toEqual([userKey(alice)]);
    accesses.changed([], true);
    expect(told.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(accesses.decisions).toBe(5);
  });
});
