import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import { createServer } from "node:net";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { AuthSession } from "@trustmap/shared";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { eventually, startBundle, stopBundle } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { startProvider, type TestProvider } from "../testing/oidc-provider";
import { authSettings } from "./config";
import { OidcClient } from "./oidc";

// Logging in with a real OpenID provider (oidc-provider over HTTPS) that the test kube-apiserver
// trusts too (--oidc-issuer-url with its CA): Trustmap names the user exactly as the API server
// does, Chromium logs in through the provider's own pages, and a session whose ID token expired
// is asked again of the provider, and ends when the provider no longer knows the user.

const root = fileURLToPath(new URL("../../../../", import.meta.url));

let provider: TestProvider;
let plane: ControlPlane;
let bff: ChildProcess | undefined;
let url: string;
let browser: Browser | undefined;
let publicUrl: string;

/** A free loopback port: the BFF's public URL (and so the provider's redirect) is known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  provider = await startProvider(`${publicUrl}/api/auth/oidc/callback`, { idTokenSeconds: 6 });
  provider.accounts.set("alice", { email: "alice@example.com", groups: ["team-a"] });
  plane = await startControlPlane({ controllerManager: false, apiserverArgs: provider.apiserverArgs() });
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  url = await startBundle(
    [
      "--kubeconfig",
      plane.kubeconfigPath,
      "--port",
      String(port),
      "--auth",
      "oidc",
      "--public-url",
      publicUrl,
      "--oidc-issuer",
      provider.issuer,
      "--oidc-client-id",
      provider.clientId,
      "--oidc-client-secret-file",
      provider.clientSecretFile,
      "--oidc-ca-file",
      provider.caFile,
      "--oidc-username-claim",
      "email",
      "--oidc-groups-claim",
      "groups",
      "--oidc-groups-prefix",
      "oidc:",
      "--oidc-scopes",
      "openid email groups offline_access",
    ],
    (child) => {
      bff = child;
    },
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stopBundle(bff);
  await plane?.stop();
  await provider?.stop();
}, 60_000);

/** One HTTPS request to the provider with its CA, cookies sent and kept. */
function call(
  target: string,
  jar: Map<string, string>,
  form?: URLSearchParams,
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const body = form?.toString();
    const request = https.request(
      target,
      {
        method: form === undefined ? "GET" : "POST",
        ca: [...rootCertificates, readFileSync(provider.caFile)],
        headers: {
          cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; "),
          ...(body === undefined
            ? {}
            : {
                "content-type": "application/x-www-form-urlencoded",
                "content-length": Buffer.byteLength(body),
              }),
        },
      },
      (response) => {
        for (const line of response.headers["set-cookie"] ?? []) {
          const [pair = ""] = line.split(";");
          const at = pair.indexOf("=");
          jar.set(pair.slice(0, at), pair.slice(at + 1));
        }
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            ...(response.headers.location === undefined
              ? {}
              : { location: new URL(response.headers.location, target).href }),
            body: text,
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/** POSTs to the API server as the bearer of `token` (no client certificate: the token alone says who). */
function asBearer(token: string, path: string, body: unknown): Promise<unknown> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${plane.server}${path}`,
      {
        method: "POST",
        ca: readFileSync(plane.caFile),
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
        },
      },
      (response) => {
        let answer = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          answer += chunk;
        });
        response.on("end", () =>
          response.statusCode === 201 || response.statusCode === 200
            ? resolve(JSON.parse(answer))
            : reject(new Error(`${path} answered ${response.statusCode}: ${answer}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

/**
 * Logs `login` in at the provider as a browser would (its login form, then its consent form),
 * from the authorization URL to the redirect back: the URL Trustmap's callback would get.
 */
async function loginAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = await call(authorizationUrl, jar);
  for (let step = 0; step < 20; step++) {
    if (next.location?.startsWith(publicUrl)) return new URL(next.location);
    if (next.location !== undefined) {
      next = await call(next.location, jar);
      continue;
    }
    const action = /<form[^>]*action="([^"]+)"/.exec(next.body)?.[1];
    if (next.status !== 200 || action === undefined)
      throw new Error(`the provider answered ${next.status} without a form: ${next.body.slice(0, 300)}`);
    const form = new URLSearchParams();
    for (const [, name, value] of next.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
      form.set(name!, value!);
    if (next.body.includes('name="login"')) {
      form.set("login", login);
      form.set("password", "any password");
    }
    next = await call(new URL(action.replace(/&amp;/g, "&"), provider.issuer).href, jar, form);
  }
  throw new Error("the provider never sent the browser back");
}

describe("OpenID Connect login", () => {
  it("names the user and groups exactly as the API server does for the same ID token", async () => {
    const settings = authSettings(
      {
        auth: "oidc",
        "public-url": publicUrl,
        "oidc-issuer": provider.issuer,
        "oidc-client-id": provider.clientId,
        "oidc-client-secret-file": provider.clientSecretFile,
        "oidc-ca-file": provider.caFile,
        "oidc-username-claim": "email",
        "oidc-groups-claim": "groups",
        "oidc-groups-prefix": "oidc:",
        "oidc-scopes": "openid email groups",
      },
      {},
      { host: "127.0.0.1", cluster: true },
    );
    const client = new OidcClient(settings.oidc!, `${publicUrl}/api/auth/oidc/callback`);
    const { url: authorization, pending } = await client.begin();
    expect(new URL(authorization).searchParams.get("code_challenge_method")).toBe("S256");
    const back = await loginAtProvider(authorization, "alice");
    expect(back.searchParams.get("state")).toBe(pending.state);
    const tokens = await client.finish(back.searchParams.get("code")!, pending);

    const review = (await asBearer(tokens.idToken, "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    })) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(tokens.user).toEqual({
      name: review.status.userInfo.username,
      groups: review.status.userInfo.groups,
    });
    expect(tokens.user).toEqual({
      name: "alice@example.com",
      groups: ["oidc:team-a", "system:authenticated"],
    });

    // A code is good once: the same code again is refused by the provider.
    await expect(client.finish(back.searchParams.get("code")!, pending)).rejects.toThrow(/invalid_grant/);
  });

  it("logs in through the provider's pages in Chromium, shows the user, and logs out", async () => {
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    // The provider's certificate is signed by the test's own CA.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole("link", { name: "Log in with your identity provider" }).click();
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: /sign-in/i }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${url}/`);
    await expect
      .poll(() => page.getByTestId("user").textContent(), { timeout: 30_000 })
      .toContain("alice@example.com");
    // The dashboard is live: the status bar says the stream is connected to the cluster.
    await expect
      .poll(() => page.getByTestId("status-state").textContent(), { timeout: 30_000 })
      .toMatch(/connected|live/i);
    const session = AuthSession.parse(
      await page.evaluate(async () => (await fetch("/api/auth/session")).json()),
    );
    expect(session.user).toEqual({
      name: "alice@example.com",
      groups: ["oidc:team-a", "system:authenticated"],
    });

    // The cookie is HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate("document.cookie")).not.toContain("trustmap-session");
    const cookies = await context.cookies(url);
    expect(cookies.find((cookie) => cookie.name === "trustmap-session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });

    await page.getByRole("button", { name: "Log out" }).click();
    await expect
      .poll(() => page.getByRole("link", { name: "Log in with your identity provider" }).count(), {
        timeout: 30_000,
      })
      .toBe(1);
    expect(await page.evaluate(async () => (await fetch("/api/namespaces")).status)).toBe(401);
    await context.close();
  });

  it("asks the provider again when the ID token expires, and ends the session when it refuses", async () => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    provider.accounts.set("bob", { email: "bob@example.com", groups: ["team-b"] });
    await page.goto(`${url}/api/auth/oidc/login`);
    await page.locator('input[name="login"]').fill("bob");
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: /sign-in/i }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${url}/`);
    const cluster = () => page.evaluate(async () => (await fetch("/api/namespaces")).status);
    expect(await cluster()).toBe(200);
    const first = (await context.cookies(url)).find((cookie) => cookie.name === "trustmap-session")?.value;

    // The ID token lives 6 s: past it, a request is answered after the provider is asked again,
    // with a new session cookie, and the groups the provider names now.
    provider.accounts.set("bob", { email: "bob@example.com", groups: ["team-b", "auditors"] });
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(await cluster()).toBe(200);
    const second = (await context.cookies(url)).find((cookie) => cookie.name === "trustmap-session")?.value;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const session = AuthSession.parse(
      await page.evaluate(async () => (await fetch("/api/auth/session")).json()),
    );
    expect(session.user?.groups).toEqual(["oidc:team-b", "oidc:auditors", "system:authenticated"]);

    // The provider forgets bob: at the next expiry the session ends, and the page asks for a login.
    provider.accounts.delete("bob");
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const ended = await page.evaluate(async () => {
      const response = await fetch("/api/namespaces");
      return { status: response.status, body: (await response.json()) as { error: string } };
    });
    expect(ended).toEqual({
      status: 401,
      body: { error: "your login at the identity provider has ended: log in again" },
    });
    await eventually(
      "the page to show the login again",
      () => page.getByRole("link", { name: "Log in with your identity provider" }).count(),
      (count) => count === 1,
    );
    await context.close();
  });
});
