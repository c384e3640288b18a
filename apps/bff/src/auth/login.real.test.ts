import { AuthSession, CSRF_HEADER } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLogger } from "../log";
import type { RunningServer } from "../server";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { CookieJar } from "../testing/cookie-jar";
import { serveKubernetes } from "../testing/serve";
import { authSettings } from "./config";

// Logging in with a bearer token, judged by the real API server: Trustmap asks it (TokenReview)
// whose token it is, and a request without the session it then signs gets 401 and no data.

let plane: ControlPlane;
let server: RunningServer;
const lines: Record<string, unknown>[] = [];

async function tokenOf(namespace: string, account: string): Promise<string> {
  const answer = (await plane.request(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  )) as { status: { token: string } };
  return answer.status.token;
}

beforeAll(async () => {
  plane = await startControlPlane({ controllerManager: false });
  await plane.request("POST", "/api/v1/namespaces", { metadata: { name: "team-a" } });
  await plane.request("POST", "/api/v1/namespaces/team-a/serviceaccounts", { metadata: { name: "alice" } });
  // Alice may list everything Trustmap reads: her answers are the whole picture.
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await plane.request("POST", `${rbac}/clusterroles`, {
    metadata: { name: "reader" },
    rules: [
      { apiGroups: [""], resources: ["namespaces", "pods", "serviceaccounts"], verbs: ["list"] },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list"] },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
        verbs: ["list"],
      },
    ],
  });
  await plane.request("POST", `${rbac}/clusterrolebindings`, {
    metadata: { name: "alice-reads" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader" },
    subjects: [{ kind: "ServiceAccount", name: "alice", namespace: "team-a" }],
  });
  server = await serveKubernetes(plane.kubeconfigPath, {
    logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>), "warn"),
    auth: authSettings({ auth: "token" }, {}, { host: "127.0.0.1", cluster: true }),
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await plane?.stop();
});

describe("token login", () => {
  it("answers nothing before a login: 401 and no data on every route, the stream too", async () => {
    for (const path of [
      "/api/cluster",
      "/api/namespaces",
      "/api/rbac",
      "/api/gaps",
      "/api/export/report.json",
      "/api/stream?view=cluster",
    ]) {
      const response = await fetch(`${server.url}${path.slice(1)}`);
      expect(response.status, path).toBe(401);
      expect(await response.json(), path).toEqual({
        error: "log in first: this Trustmap answers only to logged-in users",
      });
    }
    expect(await (await fetch(`${server.url}healthz`)).text()).toBe("ok\n");
  });

  it("logs a service account in with its token, as the API server names it", async () => {
    const browser = new CookieJar(server.url);
    const before = await browser.session();
    expect(before).toMatchObject({ strategy: "token", canLogOut: false });
    expect(before.user).toBeUndefined();

    // Without the CSRF token the page was given: refused before the token is even looked at.
    const token = await tokenOf("team-a", "alice");
    const noCsrf = await browser.login(token);
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: string }).error).toContain(CSRF_HEADER);

    const response = await browser.login(token, before.csrf);
    expect(response.status).toBe(200);
    const setCookie = response.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/trustmap-session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800/);
    const after = await browser.session();
    expect(after.user).toEqual({
      name: "system:serviceaccount:team-a:alice",
      groups: ["system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"],
    });
    expect(after.canLogOut).toBe(true);
    expect(after.csrf).not.toBe(before.csrf);
    expect((await browser.fetch("/api/cluster")).status).toBe(200);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: "audit",
        event: "login",
        user: "system:serviceaccount:team-a:alice",
      }),
    );

    // An open stream of the session; it ends with the logout.
    const stream = await browser.fetch("/api/stream?view=overview");
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    while (!received.includes("event: snapshot")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before its snapshot: ${received}`);
      received += decoder.decode(value);
    }

    // Logging out needs the session's CSRF token; then the cookie opens nothing, even replayed.
    const session = browser.cookie("trustmap-session")!;
    expect((await browser.fetch("/api/auth/logout", { method: "POST" })).status).toBe(403);
    const out = await browser.fetch("/api/auth/logout", {
      method: "POST",
      headers: { [CSRF_HEADER]: after.csrf },
    });
    expect(out.status).toBe(204);
    expect((await browser.fetch("/api/cluster")).status).toBe(401);
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    const replayed = await fetch(`${server.url}api/cluster`, {
      headers: { cookie: `trustmap-session=${session}` },
    });
    expect(replayed.status).toBe(401);
    expect(lines).toContainEqual(
      expect.objectContaining({ event: "logout", user: "system:serviceaccount:team-a:alice" }),
    );
  });

  it("refuses a token the API server does not know, says why, and logs the failure", async () => {
    const browser = new CookieJar(server.url);
    const { csrf } = await browser.session();
    const forged = `${(await tokenOf("team-a", "alice")).slice(0, -4)}AAAA`;
    const response = await browser.login(forged, csrf);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/^login refused: /);
    expect(browser.cookie("trustmap-session")).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({ message: "audit", event: "login failed", user: "" }),
    );
    // A page of another site cannot log the browser in, CSRF token or not.
    const crossSite = await browser.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", [CSRF_HEADER]: csrf, origin: "https://evil.example" },
      body: JSON.stringify({ token: "x" }),
    });
    expect(crossSite.status).toBe(403);
  });

  it("keeps a session across a restart with the same secret, and refuses a cookie of another secret", async () => {
    const secret = Buffer.from("a-secret-of-at-least-thirty-two-bytes-for-this-test");
    const settings = {
      ...authSettings({ auth: "token" }, {}, { host: "127.0.0.1", cluster: true }),
      secret,
      secretGiven: true,
    };
    const start = async () => {
      return await serveKubernetes(plane.kubeconfigPath, {
        logger: jsonLogger(() => {}, "error"),
        auth: settings,
      });
    };
    const first = await start();
    const { value } = first.auth.sessions.create({ name: "bob", groups: [] }, "token", 60_000);
    await first.close();
    const second = await start();
    try {
      const ok = await fetch(`${second.url}api/auth/session`, {
        headers: { cookie: `trustmap-session=${value}` },
      });
      expect(AuthSession.parse(await ok.json()).user?.name).toBe("bob");
      const other = server.auth.sessions.create({ name: "bob", groups: [] }, "token", 60_000).value;
      const refused = await fetch(`${second.url}api/cluster`, {
        headers: { cookie: `trustmap-session=${other}` },
      });
      expect(refused.status).toBe(401);
    } finally {
      await second.close();
    }
  });
});
