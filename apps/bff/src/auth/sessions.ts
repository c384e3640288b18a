import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import type { AuthStrategy, AuthUser } from "@trustmap/shared";

// A session lives in the browser, in one cookie the BFF signs: who logged in, how, and until when.
// Nothing about it is kept here but the sessions ended early (logout), so a restart with the same
// secret keeps everyone logged in, and a forged or edited cookie is refused by its signature.

/** Why a session was made: a login, or the BFF's own Chromium printing for a logged-in user. */
export type SessionKind = "login" | "print";

export interface Session {
  readonly id: string;
  readonly user: AuthUser;
  readonly strategy: AuthStrategy;
  readonly kind: SessionKind;
  readonly expiresAt: number;
  /** OpenID logins: the provider is asked again (with this refresh token) at `at` (ms). */
  readonly refresh?: { readonly token: string; readonly at: number };
}

/** The signed text of a session: base64url(JSON) "." base64url(HMAC-SHA256). */
interface Payload {
  readonly v: 1;
  readonly i: string;
  readonly u: string;
  readonly g: readonly string[];
  readonly s: AuthStrategy;
  readonly k: SessionKind;
  readonly e: number;
  /** The refresh token, encrypted (AES-256-GCM): the cookie is signed, not secret, without it. */
  readonly r?: string;
  readonly c?: number;
}

/** A secret of fewer bytes is refused: an HMAC key should be as long as its hash. */
export const MIN_SECRET_BYTES = 32;

const STRATEGIES: readonly string[] = ["anonymous", "token", "oidc", "header"];

export class Sessions {
  /** Sessions ended before their time, until that time (logout). */
  private readonly ended = new Map<string, number>();
  private readonly key: Buffer;

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < MIN_SECRET_BYTES)
      throw new Error(`a session secret needs at least ${MIN_SECRET_BYTES} bytes, not ${secret.length}`);
    this.key = Buffer.from(hkdfSync("sha256", secret, "", "trustmap refresh token", 32));
  }

  /** A new session for this user, ending `ttlMs` from now, and the cookie value that carries it. */
  create(
    user: AuthUser,
    strategy: AuthStrategy,
    ttlMs: number,
    kind: SessionKind = "login",
    refresh?: { readonly token: string; readonly at: number },
  ): { session: Session; value: string } {
    const session: Session = {
      id: randomBytes(16).toString("base64url"),
      user: { name: user.name, groups: [...user.groups] },
      strategy,
      kind,
      expiresAt: this.now() + ttlMs,
      ...(refresh === undefined ? {} : { refresh }),
    };
    const payload: Payload = {
      v: 1,
      i: session.id,
      u: session.user.name,
      g: session.user.groups,
      s: strategy,
      k: kind,
      e: session.expiresAt,
      ...(refresh === undefined ? {} : { r: this.encrypt(refresh.token), c: refresh.at }),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return { session, value: `${body}.${this.sign(`session\0${body}`)}` };
  }

  /** The session a cookie value carries: undefined when it is forged, edited, expired or ended. */
  read(value: string | undefined, options: { readonly evenIfEnded?: boolean } = {}): Session | undefined {
    if (value === undefined) return undefined;
    const dot = value.indexOf(".");
    if (dot <= 0) return undefined;
    const body = value.slice(0, dot);
    if (!this.verify(`session\0${body}`, value.slice(dot + 1))) return undefined;
    const payload = parsePayload(Buffer.from(body, "base64url").toString("utf8"));
    if (payload === undefined || payload.e <= this.now()) return undefined;
    if (this.ended.has(payload.i) && options.evenIfEnded !== true) return undefined;
    const token = payload.r === undefined ? undefined : this.decrypt(payload.r);
    return {
      id: payload.i,
      user: { name: payload.u, groups: [...payload.g] },
      strategy: payload.s,
      kind: payload.k,
      expiresAt: payload.e,
      ...(token === undefined || payload.c === undefined ? {} : { refresh: { token, at: payload.c } }),
    };
  }

  /** A short-lived signed value of `purpose` (the state of a login at the OpenID provider). */
  seal(purpose: string, value: unknown, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ e: this.now() + ttlMs, v: value })).toString("base64url");
    return `${body}.${this.sign(`${purpose}\0${body}`)}`;
  }

  /** What `seal` sealed for `purpose`, if it is intact and not expired. */
  unseal(purpose: string, text: string | undefined): unknown {
    if (text === undefined) return undefined;
    const [body = "", signature = ""] = text.split(".");
    if (body === "" || !this.verify(`${purpose}\0${body}`, signature)) return undefined;
    try {
      const sealed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as {
        e?: unknown;
        v?: unknown;
      };
      return typeof sealed.e === "number" && sealed.e > this.now() ? sealed.v : undefined;
    } catch {
      return undefined;
    }
  }

  private encrypt(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const sealed = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  }

  private decrypt(text: string): string | undefined {
    try {
      const bytes = Buffer.from(text, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }

  /** Ends a session before its time: its cookie is refused from now on. */
  end(session: Session): void {
    const now = this.now();
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
    this.ended.set(session.id, session.expiresAt);
  }

  /**
   * The CSRF token of a session, or of a browser not logged in yet (its `nonce` cookie): derived
   * from the secret, so that only a page that read it from this BFF can send it back.
   */
  csrfToken(binding: string): string {
    return this.sign(`csrf\0${binding}`);
  }

  checkCsrf(binding: string, token: string | undefined): boolean {
    return token !== undefined && this.verify(`csrf\0${binding}`, token);
  }

  private sign(text: string): string {
    return createHmac("sha256", this.secret).update(text).digest("base64url");
  }

  private verify(text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(text));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function parsePayload(text: string): Payload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const p = value as Record<string, unknown>;
  const ok =
    p.v === 1 &&
    typeof p.i === "string" &&
    typeof p.u === "string" &&
    Array.isArray(p.g) &&
    p.g.every((group) => typeof group === "string") &&
    typeof p.s === "string" &&
    STRATEGIES.includes(p.s) &&
    (p.k === "login" || p.k === "print") &&
    typeof p.e === "number" &&
    (p.r === undefined || typeof p.r === "string") &&
    (p.c === undefined || typeof p.c === "number");
  return ok ? (value as Payload) : undefined;
}

/** A fresh random secret: sessions then last as long as this process. */
export function randomSecret(): Buffer {
  return randomBytes(MIN_SECRET_BYTES);
}
