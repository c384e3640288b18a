// A real OpenID provider for the tests: panva's oidc-provider (a certified implementation) over
// HTTPS on a loopback port, with a CA of its own that Trustmap and the test kube-apiserver trust.
// Its development login page takes any login with any password; the accounts' claims (email,
// groups) are the test's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Provider from "oidc-provider";
import { makeCa, makeLeaf } from "../../../../scripts/control-plane.mjs";

export interface TestAccount {
  readonly email: string;
  readonly groups: readonly string[];
}

export interface TestProvider {
  readonly issuer: string;
  /** The provider's CA (PEM file): --oidc-ca-file for Trustmap and kube-apiserver. */
  readonly caFile: string;
  readonly clientId: string;
  readonly clientSecretFile: string;
  /** Accounts by login (the name typed on the login page); changed by the test as it goes. */
  readonly accounts: Map<string, TestAccount>;
  /** The kube-apiserver flags that make it trust this provider, reading the same claims. */
  apiserverArgs(): string[];
  stop(): Promise<void>;
}

/** A CA and a serving certificate for 127.0.0.1 signed by it. */
function certificates(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  makeCa(dir, "trustmap-test-oidc-ca", "30");
  makeLeaf(
    dir,
    "idp",
    "/CN=127.0.0.1",
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    "30",
  );
  return {
    caFile: path.join(dir, "ca.crt"),
    key: readFileSync(path.join(dir, "idp.key")),
    cert: readFileSync(path.join(dir, "idp.crt")),
  };
}

/**
 * Starts the provider; `redirectUri` is Trustmap's callback (PUBLIC_URL/api/auth/oidc/callback),
 * the only one the client may use. ID tokens live `idTokenSeconds` (refresh tests make it short).
 */
export async function startProvider(
  redirectUri: string,
  options: { idTokenSeconds?: number } = {},
): Promise<TestProvider> {
  const dir = mkdtempSync(path.join(tmpdir(), "trustmap-oidc-"));
  const { caFile, key, cert } = certificates(dir);
  const clientId = "trustmap";
  const clientSecret = "a-client-secret-for-the-test-provider";
  const clientSecretFile = path.join(dir, "client-secret");
  writeFileSync(clientSecretFile, `${clientSecret}\n`);
  const accounts = new Map<string, TestAccount>();

  let handler: Parameters<typeof createServer>[1] = (_request, response) => {
    response.statusCode = 503;
    response.end();
  };
  const server: Server = createServer({ key, cert }, (request, response) => handler!(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    cookies: { keys: ["a-cookie-key-for-the-test-provider"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], groups: ["groups"] },
    scopes: ["openid", "offline_access", "email", "groups", "profile"],
    // The ID token carries the claims the scopes ask for (the API server reads only the ID token).
    conformIdTokenClaims: false,
    ttl: {
      IdToken: options.idTokenSeconds ?? 3600,
      AccessToken: options.idTokenSeconds ?? 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    features: { devInteractions: { enabled: true } },
    async findAccount(_context, id) {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      return {
        accountId: id,
        async claims() {
          const now = accounts.get(id);
          return now === undefined
            ? { sub: id }
            : { sub: id, email: now.email, email_verified: true, groups: [...now.groups] };
        },
      };
    },
  });
  provider.on("server_error", (_context: unknown, error: Error) => {
    process.stderr.write(`oidc-provider: ${error.stack ?? error.message}\n`);
  });
  handler = provider.callback();

  return {
    issuer,
    caFile,
    clientId,
    clientSecretFile,
    accounts,
    apiserverArgs: () => [
      `--oidc-issuer-url=${issuer}`,
      `--oidc-client-id=${clientId}`,
      `--oidc-ca-file=${caFile}`,
      "--oidc-username-claim=email",
      "--oidc-groups-claim=groups",
      "--oidc-groups-prefix=oidc:",
    ],
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
