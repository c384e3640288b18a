import { AuthSession, CSRF_HEADER } from "@trustmap/shared";

/** A browser's cookie jar for one origin, as far as these tests need it. */
export class CookieJar {
  constructor(private readonly base: string) {}

  private readonly cookies = new Map<string, string>();

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(new URL(path, this.base), { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const value = pair.slice(at + 1);
      if (/Max-Age=0\b/.test(line) || value === "") this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), value);
    }
    return response;
  }

  async session(): Promise<AuthSession> {
    return AuthSession.parse(await (await this.fetch("/api/auth/session")).json());
  }

  async login(token: string, csrf?: string): Promise<Response> {
    return this.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", ...(csrf === undefined ? {} : { [CSRF_HEADER]: csrf }) },
      body: JSON.stringify({ token }),
    });
  }

  /** Logs in with a bearer token as the login page does; throws with the BFF's answer when refused. */
  async logIn(token: string): Promise<void> {
    const { csrf } = await this.session();
    const response = await this.login(token, csrf);
    if (response.status !== 200)
      throw new Error(`login refused (${response.status}): ${await response.text()}`);
  }

  /** The Cookie header this jar sends. */
  header(): Record<string, string> {
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}
