import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import type { AuthUser } from "@trustmap/shared";
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from "jose";
import type { OidcSettings } from "./config";

// Logging in with an OpenID provider: the authorization code flow with PKCE, the provider found by
// discovery from its issuer, the ID token verified against the provider's keys, and the user and
// groups read from its claims the way the API server's --oidc-* flags read them, so that the user
// Trustmap asks SubjectAccessReviews for is the user the cluster knows.

const TIMEOUT_MS = 10_000;
const BODY_LIMIT = 1024 * 1024;
/** Keys are fetched again for an unknown key id at most this often (the provider rotated them). */
const KEYS_REFETCH_MS = 60_000;

/** The group every authenticated user is in, as the API server adds it. */
export const AUTHENTICATED = "system:authenticated";

interface Discovery {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
}

/** What a login at the provider began with: checked when the browser comes back. */
export interface Pending {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export interface Tokens {
  readonly user: AuthUser;
  /** The ID token itself: read once here, never kept. */
  readonly idToken: string;
  /** When the ID token expires (ms): the session is checked again with the provider then. */
  readonly expiresAt: number;
  readonly refreshToken?: string;
}

export type Claimed =
  | { readonly ok: true; readonly user: AuthUser }
  | { readonly ok: false; readonly reason: string };

/**
 * The user and groups of an ID token's claims, as kube-apiserver maps them: the username claim
 * ("sub" by default; "email" needs email_verified true when the token says it), the issuer and "#"
 * before it unless a prefix is given ("-": none) or the claim is "email", the groups claim as a
 * string or a list of strings with the groups prefix; every authenticated user is also in
 * system:authenticated.
 */
export function claimedUser(claims: JWTPayload, settings: OidcSettings): Claimed {
  const claim = settings.usernameClaim;
  const name = claims[claim];
  if (typeof name !== "string" || name === "")
    return {
      ok: false,
      reason: `the ID token has no "${claim}" claim naming the user (--oidc-username-claim)`,
    };
  if (claim === "email" && "email_verified" in claims && claims.email_verified !== true)
    return {
      ok: false,
      reason: `the ID token's email ${JSON.stringify(name)} is not verified (email_verified)`,
    };
  const prefix =
    settings.usernamePrefix === undefined
      ? claim === "email"
        ? ""
        : `${settings.issuer}#`
      : settings.usernamePrefix === "-"
        ? ""
        : settings.usernamePrefix;
  const groups: string[] = [];
  if (settings.groupsClaim !== undefined && claims[settings.groupsClaim] !== undefined) {
    const value = claims[settings.groupsClaim];
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || !list.every((group) => typeof group === "string"))
      return {
        ok: false,
        reason: `the ID token's "${settings.groupsClaim}" claim is neither a string nor a list of strings (--oidc-groups-claim)`,
      };
    groups.push(...list.map((group) => `${settings.groupsPrefix}${group}`));
  }
  if (!groups.includes(AUTHENTICATED)) groups.push(AUTHENTICATED);
  return { ok: true, user: { name: `${prefix}${name}`, groups } };
}

function base64url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

export class OidcClient {
  private discovery: Promise<Discovery> | undefined;
  private keys: { set: ReturnType<typeof createLocalJWKSet>; fetchedAt: number } | undefined;
  private readonly ca: (string | Buffer)[] | undefined;

  constructor(
    readonly settings: OidcSettings,
    /** Where the provider sends the browser back: PUBLIC_URL/api/auth/oidc/callback. */
    readonly redirectUri: string,
  ) {
    this.ca =
      settings.caFile === undefined ? undefined : [...rootCertificates, readFileSync(settings.caFile)];
  }

  /** Where the browser goes to log in, and what to check when it comes back. */
  async begin(): Promise<{ url: string; pending: Pending }> {
    const provider = await this.provider();
    const pending = {
      state: base64url(randomBytes(24)),
      nonce: base64url(randomBytes(24)),
      verifier: base64url(randomBytes(48)),
    };
    const url = new URL(provider.authorization_endpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", this.settings.clientId);
    url.searchParams.set("redirect_uri", this.redirectUri);
    url.searchParams.set("scope", this.settings.scopes.join(" "));
    url.searchParams.set("state", pending.state);
    url.searchParams.set("nonce", pending.nonce);
    url.searchParams.set("code_challenge", base64url(createHash("sha256").update(pending.verifier).digest()));
    url.searchParams.set("code_challenge_method", "S256");
    // A refresh token is given only with consent to offline access (OpenID Connect Core 11).
    if (this.settings.scopes.includes("offline_access")) url.searchParams.set("prompt", "consent");
    return { url: url.href, pending };
  }

  /** The user of the code the provider sent back (its ID token verified, the nonce matched). */
  async finish(code: string, pending: Pending): Promise<Tokens> {
    const answer = await this.token({
      grant_type: "authorization_code",
      code,
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    return this.tokensOf(answer, pending.nonce);
  }

  /** Asks the provider again with the refresh token: the user may have left, or changed groups. */
  async refresh(refreshToken: string): Promise<Tokens> {
    const answer = await this.token({ grant_type: "refresh_token", refresh_token: refreshToken });
    const tokens = await this.tokensOf(answer, undefined);
    // A provider that does not rotate refresh tokens keeps the one it gave.
    return tokens.refreshToken === undefined ? { ...tokens, refreshToken } : tokens;
  }

  private async tokensOf(answer: Record<string, unknown>, nonce: string | undefined): Promise<Tokens> {
    const idToken = answer.id_token;
    if (typeof idToken !== "string") throw new Error("the provider's answer holds no ID token");
    const provider = await this.provider();
    const verify = async () =>
      jwtVerify(idToken, (await this.jwks(false)).set, {
        issuer: provider.issuer,
        audience: this.settings.clientId,
      });
    let payload: JWTPayload;
    try {
      payload = (await verify()).payload;
    } catch (error) {
      // An unknown key id: the provider may have rotated its keys since they were read.
      if ((error as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw error;
      await this.jwks(true);
      payload = (await verify()).payload;
    }
    if (nonce !== undefined && payload.nonce !== nonce)
      throw new Error("the ID token's nonce is not the one this login sent");
    const claimed = claimedUser(payload, this.settings);
    if (!claimed.ok) throw new Error(claimed.reason);
    const refreshToken = typeof answer.refresh_token === "string" ? answer.refresh_token : undefined;
    return {
      user: claimed.user,
      idToken,
      expiresAt: (payload.exp ?? 0) * 1000,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    };
  }

  private async token(form: Record<string, string>): Promise<Record<string, unknown>> {
    const provider = await this.provider();
    const body = new URLSearchParams({ ...form, client_id: this.settings.clientId });
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
    if (this.settings.clientSecret !== undefined) {
      // client_secret_basic (RFC 6749 2.3.1): both parts form-encoded before base64.
      const user = encodeURIComponent(this.settings.clientId);
      const password = encodeURIComponent(this.settings.clientSecret);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    }
    const { status, json } = await this.call(provider.token_endpoint, "POST", body.toString(), headers);
    if (status !== 200) {
      const error = typeof json.error === "string" ? json.error : `status ${status}`;
      const description = typeof json.error_description === "string" ? `: ${json.error_description}` : "";
      throw new Error(`the provider refused the token request (${error}${description})`);
    }
    return json;
  }

  private provider(): Promise<Discovery> {
    this.discovery ??= this.discover().catch((error: Error) => {
      this.discovery = undefined;
      throw error;
    });
    return this.discovery;
  }

  private async discover(): Promise<Discovery> {
    const issuer = this.settings.issuer;
    const where = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const { status, json } = await this.call(where, "GET");
    if (status !== 200) throw new Error(`the provider's discovery document (${where}) answered ${status}`);
    // OpenID Connect Discovery 4.3: the issuer in the document is exactly the one asked.
    if (json.issuer !== issuer)
      throw new Error(
        `the provider's discovery document names the issuer ${JSON.stringify(json.issuer)}, not ${JSON.stringify(issuer)} (--oidc-issuer must be written exactly as the provider writes it)`,
      );
    for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const)
      if (typeof json[field] !== "string")
        throw new Error(`the provider's discovery document has no ${field}`);
    return json as unknown as Discovery;
  }

  private async jwks(again: boolean): Promise<{ set: ReturnType<typeof createLocalJWKSet> }> {
    const now = Date.now();
    if (this.keys !== undefined && (!again || now - this.keys.fetchedAt < KEYS_REFETCH_MS)) return this.keys;
    const provider = await this.provider();
    const { status, json } = await this.call(provider.jwks_uri, "GET");
    if (status !== 200 || !Array.isArray(json.keys))
      throw new Error(`the provider's keys (${provider.jwks_uri}) answered ${status} without a key set`);
    this.keys = { set: createLocalJWKSet(json as unknown as JSONWebKeySet), fetchedAt: now };
    return this.keys;
  }

  /** One request to the provider, its CA trusted besides the system's; the answer as JSON. */
  private call(
    url: string,
    method: "GET" | "POST",
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === "https:" ? https.request : http.request;
      const request = send(
        target,
        {
          method,
          headers: {
            Accept: "application/json",
            ...headers,
            ...(body === undefined ? {} : { "Content-Length": Buffer.byteLength(body) }),
          },
          ...(this.ca === undefined ? {} : { ca: this.ca }),
          timeout: TIMEOUT_MS,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
            if (text.length > BODY_LIMIT) response.destroy(new Error(`${url}: the answer is over 1 MiB`));
          });
          response.on("error", reject);
          response.on("end", () => {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              reject(new Error(`${url} answered ${response.statusCode} with no JSON`));
              return;
            }
            resolve({
              status: response.statusCode ?? 0,
              json: typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {},
            });
          });
        },
      );
      request.on("timeout", () =>
        request.destroy(new Error(`${url} did not answer within ${TIMEOUT_MS / 1000} s`)),
      );
      request.on("error", (error) => reject(new Error(`cannot reach the OpenID provider: ${error.message}`)));
      request.end(body);
    });
  }
}
