import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { AuthStrategy } from "@trustmap/shared";
import { ProxyAddresses } from "./proxies";
import { MIN_SECRET_BYTES, randomSecret } from "./sessions";

// How viewers log in, read from the command line and the environment once, before anything
// starts: a setting that cannot work stops the BFF with a message that names it.

export interface HeaderSettings {
  /** The header the proxy names the user in (Kubernetes' --requestheader-username-headers). */
  readonly userHeader: string;
  /** The header, one per group, the proxy names the groups in (--requestheader-group-headers). */
  readonly groupsHeader: string;
  readonly proxies: ProxyAddresses;
}

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  /** The claim that names the user ("sub" unless told; the API server's --oidc-username-claim). */
  readonly usernameClaim: string;
  /** Put before the user name; undefined: the API server's default (the issuer and "#", but none for "email"). */
  readonly usernamePrefix?: string;
  readonly groupsClaim?: string;
  readonly groupsPrefix: string;
  readonly scopes: readonly string[];
  /** Trusted for the provider's TLS, besides the system's CAs. */
  readonly caFile?: string;
}

export interface AuthSettings {
  readonly strategy: AuthStrategy;
  /** Signs the session cookies; random per process unless given (sessions then end at restart). */
  readonly secret: Buffer;
  /** Whether the secret was given: otherwise sessions end when the process does, which is said. */
  readonly secretGiven: boolean;
  readonly sessionTtlMs: number;
  /** Where users open Trustmap (https: cookies are Secure); OIDC's redirect goes back under it. */
  readonly publicUrl?: URL;
  readonly header?: HeaderSettings;
  readonly oidc?: OidcSettings;
}

/** The options as parseArgs gives them (flags win over the environment). */
export interface AuthInput {
  readonly auth?: string | undefined;
  readonly "session-secret-file"?: string | undefined;
  readonly "session-ttl"?: string | undefined;
  readonly "public-url"?: string | undefined;
  readonly "auth-proxy"?: string[] | undefined;
  readonly "auth-user-header"?: string | undefined;
  readonly "auth-groups-header"?: string | undefined;
  readonly "oidc-issuer"?: string | undefined;
  readonly "oidc-client-id"?: string | undefined;
  readonly "oidc-client-secret-file"?: string | undefined;
  readonly "oidc-username-claim"?: string | undefined;
  readonly "oidc-username-prefix"?: string | undefined;
  readonly "oidc-groups-claim"?: string | undefined;
  readonly "oidc-groups-prefix"?: string | undefined;
  readonly "oidc-scopes"?: string | undefined;
  readonly "oidc-ca-file"?: string | undefined;
}

export const AUTH_OPTIONS = {
  auth: { type: "string" },
  "session-secret-file": { type: "string" },
  "session-ttl": { type: "string" },
  "public-url": { type: "string" },
  "auth-proxy": { type: "string", multiple: true },
  "auth-user-header": { type: "string" },
  "auth-groups-header": { type: "string" },
  "oidc-issuer": { type: "string" },
  "oidc-client-id": { type: "string" },
  "oidc-client-secret-file": { type: "string" },
  "oidc-username-claim": { type: "string" },
  "oidc-username-prefix": { type: "string" },
  "oidc-groups-claim": { type: "string" },
  "oidc-groups-prefix": { type: "string" },
  "oidc-scopes": { type: "string" },
  "oidc-ca-file": { type: "string" },
} as const;

export const AUTH_HELP = `Who may look (login):
  --auth STRATEGY      anonymous (default; loopback only: nobody logs in and everyone sees what
                       Trustmap's account sees), token (a bearer token the API server vouches for),
                       oidc (an OpenID provider), header (an authenticating proxy names the user)
                       ($TRUSTMAP_AUTH). Every strategy but anonymous shows each user only what the
                       cluster lets them list (SubjectAccessReview).
  --session-secret-file FILE
                       signs the session cookies (at least ${MIN_SECRET_BYTES} bytes; $TRUSTMAP_SESSION_SECRET_FILE,
                       or the secret itself in $TRUSTMAP_SESSION_SECRET). Without one, sessions end
                       when the BFF stops.
  --session-ttl DURATION
                       how long a login lasts (e.g. 30m, 8h; default 8h; $TRUSTMAP_SESSION_TTL)
  --public-url URL     where users open Trustmap (e.g. https://trustmap.example.com;
                       $TRUSTMAP_PUBLIC_URL): https makes the cookies Secure; needed by oidc
  --auth-proxy ADDR[/BITS]
                       header: the proxy's address or range (repeatable; $TRUSTMAP_AUTH_PROXIES,
                       comma-separated); requests from elsewhere are refused
  --auth-user-header NAME, --auth-groups-header NAME
                       header: where the proxy names the user and each group
                       (default X-Remote-User, X-Remote-Group)
  --oidc-issuer URL, --oidc-client-id ID, --oidc-client-secret-file FILE, --oidc-ca-file FILE
  --oidc-username-claim CLAIM, --oidc-username-prefix PREFIX, --oidc-groups-claim CLAIM,
  --oidc-groups-prefix PREFIX, --oidc-scopes "openid email …"
                       oidc: the provider, and the claims mapped as the API server's --oidc-*
                       flags map them ($TRUSTMAP_OIDC_ISSUER, … in the same way)`;

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const DEFAULT_TTL_MS = 8 * 3_600_000;

/** Whether an address given to --host is this machine alone. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

function envName(flag: string): string {
  return `TRUSTMAP_${flag.replace(/-/g, "_").toUpperCase()}`;
}

function fileText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * The login settings: `host` is the address the BFF binds (undefined on a Unix socket),
 * `cluster` whether the source is an API server, which every strategy but anonymous needs.
 */
export function authSettings(
  input: AuthInput,
  env: NodeJS.ProcessEnv,
  listen: { readonly host?: string; readonly cluster: boolean },
): AuthSettings {
  const pick = (flag: keyof AuthInput): { value: string; where: string } | undefined => {
    const given = input[flag];
    if (typeof given === "string") return { value: given, where: `--${flag}` };
    const fromEnv = env[envName(flag)];
    return fromEnv === undefined || fromEnv === "" ? undefined : { value: fromEnv, where: envName(flag) };
  };

  const strategyText = pick("auth") ?? { value: "anonymous", where: "--auth" };
  const parsed = AuthStrategy.safeParse(strategyText.value);
  if (!parsed.success)
    throw new Error(
      `${strategyText.where}: ${JSON.stringify(strategyText.value)} is not a login strategy (anonymous, token, oidc or header)`,
    );
  const strategy = parsed.data;

  if (strategy === "anonymous" && listen.host !== undefined && !isLoopback(listen.host))
    throw new Error(
      `--auth anonymous on ${listen.host}: without a login every visitor would see the whole cluster as Trustmap's account sees it, so anonymous is for loopback only (--host 127.0.0.1). Choose --auth token, oidc or header (TRUSTMAP_AUTH).`,
    );
  if (strategy !== "anonymous" && !listen.cluster)
    throw new Error(
      `--auth ${strategy} needs a Kubernetes API server: it decides what each user may read (SubjectAccessReview), which the demo, files and synthetic sources cannot. Use --kubeconfig or the in-cluster account, or --auth anonymous on loopback.`,
    );

  const secretFile = pick("session-secret-file");
  const secretText =
    secretFile === undefined
      ? env.TRUSTMAP_SESSION_SECRET
      : fileText(secretFile.value, secretFile.where).trim();
  const secretWhere = secretFile?.where ?? "TRUSTMAP_SESSION_SECRET";
  if (secretText !== undefined && secretText !== "" && Buffer.byteLength(secretText) < MIN_SECRET_BYTES)
    throw new Error(
      `${secretWhere}: a session secret needs at least ${MIN_SECRET_BYTES} bytes (e.g. the output of \`openssl rand -base64 48\`), not ${Buffer.byteLength(secretText)}`,
    );
  const secretGiven = secretText !== undefined && secretText !== "";
  const secret = secretGiven ? Buffer.from(secretText) : randomSecret();

  const ttl = pick("session-ttl");
  let sessionTtlMs = DEFAULT_TTL_MS;
  if (ttl !== undefined) {
    const match = DURATION.exec(ttl.value.trim());
    const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2]!]!;
    if (!(ms >= 60_000 && ms <= 30 * 86_400_000))
      throw new Error(
        `${ttl.where}: ${JSON.stringify(ttl.value)} is not a duration from 1m to 30d (e.g. 30m, 8h, 1d)`,
      );
    sessionTtlMs = ms;
  }

  const publicText = pick("public-url");
  let publicUrl: URL | undefined;
  if (publicText !== undefined) {
    try {
      publicUrl = new URL(publicText.value);
    } catch {
      publicUrl = undefined;
    }
    if (publicUrl === undefined || (publicUrl.protocol !== "https:" && publicUrl.protocol !== "http:"))
      throw new Error(
        `${publicText.where}: ${JSON.stringify(publicText.value)} is not an http(s) URL (e.g. https://trustmap.example.com)`,
      );
  }

  const base = {
    strategy,
    secret,
    secretGiven,
    sessionTtlMs,
    ...(publicUrl === undefined ? {} : { publicUrl }),
  };
  if (strategy === "header") return { ...base, header: headerSettings(input, env, pick) };
  if (strategy === "oidc") return { ...base, oidc: oidcSettings(pick, publicUrl) };
  return base;
}

function headerSettings(
  input: AuthInput,
  env: NodeJS.ProcessEnv,
  pick: (flag: keyof AuthInput) => { value: string; where: string } | undefined,
): HeaderSettings {
  const flags = input["auth-proxy"] ?? [];
  const listed = flags.length > 0 ? flags : (env.TRUSTMAP_AUTH_PROXIES ?? "").split(",");
  const where = flags.length > 0 ? "--auth-proxy" : "TRUSTMAP_AUTH_PROXIES";
  const addresses = listed.map((value) => value.trim()).filter((value) => value !== "");
  if (addresses.length === 0)
    throw new Error(
      "--auth header needs the authenticating proxy's addresses (--auth-proxy ADDR[/BITS], repeatable, or TRUSTMAP_AUTH_PROXIES): a header from anyone else must not name a user",
    );
  const proxies = new ProxyAddresses(addresses, where);
  const name = (flag: "auth-user-header" | "auth-groups-header", fallback: string): string => {
    const given = pick(flag);
    if (given === undefined) return fallback;
    if (!HEADER_NAME.test(given.value))
      throw new Error(`${given.where}: ${JSON.stringify(given.value)} is not a header name`);
    return given.value;
  };
  return {
    userHeader: name("auth-user-header", "X-Remote-User"),
    groupsHeader: name("auth-groups-header", "X-Remote-Group"),
    proxies,
  };
}

function oidcSettings(
  pick: (flag: keyof AuthInput) => { value: string; where: string } | undefined,
  publicUrl: URL | undefined,
): OidcSettings {
  const issuer = pick("oidc-issuer");
  const clientId = pick("oidc-client-id");
  if (issuer === undefined || clientId === undefined)
    throw new Error(
      "--auth oidc needs the provider: --oidc-issuer URL and --oidc-client-id ID (or TRUSTMAP_OIDC_ISSUER and TRUSTMAP_OIDC_CLIENT_ID)",
    );
  let issuerUrl: URL | undefined;
  try {
    issuerUrl = new URL(issuer.value);
  } catch {
    issuerUrl = undefined;
  }
  if (issuerUrl?.protocol !== "https:")
    throw new Error(
      `${issuer.where}: ${JSON.stringify(issuer.value)} is not an https URL (the API server accepts only https issuers)`,
    );
  if (publicUrl === undefined)
    throw new Error(
      "--auth oidc needs --public-url (TRUSTMAP_PUBLIC_URL): the provider sends the browser back to PUBLIC_URL/api/auth/oidc/callback",
    );
  const secretFile = pick("oidc-client-secret-file");
  const clientSecret =
    secretFile === undefined ? undefined : fileText(secretFile.value, secretFile.where).trim();
  const caFile = pick("oidc-ca-file");
  if (caFile !== undefined) fileText(caFile.value, caFile.where);
  const prefix = pick("oidc-username-prefix");
  const groupsClaim = pick("oidc-groups-claim");
  const scopes = (pick("oidc-scopes")?.value ?? "openid profile email")
    .split(/[\s,]+/)
    .filter((scope) => scope !== "");
  return {
    issuer: issuer.value,
    clientId: clientId.value,
    ...(clientSecret === undefined || clientSecret === "" ? {} : { clientSecret }),
    usernameClaim: pick("oidc-username-claim")?.value ?? "sub",
    ...(prefix === undefined ? {} : { usernamePrefix: prefix.value }),
    ...(groupsClaim === undefined ? {} : { groupsClaim: groupsClaim.value }),
    groupsPrefix: pick("oidc-groups-prefix")?.value ?? "",
    scopes: scopes.includes("openid") ? scopes : ["openid", ...scopes],
    ...(caFile === undefined ? {} : { caFile: caFile.value }),
  };
}
