import { z } from "zod";

// Who is asking: the login strategies, the session the BFF answers at /api/auth/session, and the
// token login's body.

/**
 * How viewers log in, chosen when the BFF starts: `anonymous` (nobody logs in: loopback only),
 * `token` (a bearer token the API server vouches for), `oidc` (an OpenID provider), `header` (an
 * authenticating proxy names the user).
 */
export const AuthStrategy = z.enum(["anonymous", "token", "oidc", "header"]);
export type AuthStrategy = z.infer<typeof AuthStrategy>;

export const AuthUser = z
  .object({
    /** The user name as the API server knows it (prefixes included), e.g. "oidc:alice". */
    name: z.string(),
    groups: z.array(z.string()),
  })
  .strict();
export type AuthUser = z.infer<typeof AuthUser>;

export const AuthSession = z
  .object({
    strategy: AuthStrategy,
    /** Undefined until someone logs in (token, oidc) or when nobody does (anonymous). */
    user: AuthUser.optional(),
    /** When the session ends (ISO time); absent without a session. */
    expiresAt: z.string().optional(),
    /** The token every state-changing request sends back in the X-Trustmap-CSRF header. */
    csrf: z.string(),
    /** Where the browser goes to log in with the OpenID provider (oidc). */
    loginUrl: z.string().optional(),
    /** Whether logging out means anything here (a session this BFF made). */
    canLogOut: z.boolean(),
    /**
     * What the user may read, as the cluster decided it: everything, or the network picture of
     * `namespaces` and the RBAC of `rbac` (and how many namespaces the access hides entirely).
     * Absent before a login and for anonymous (everything).
     */
    access: z
      .object({
        cluster: z.boolean(),
        namespaces: z.array(z.string()),
        rbac: z.array(z.string()),
        hidden: z.number().int().nonnegative(),
        /**
         * May list the cluster-wide network policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
         * ClusterNetworkPolicy); when not, what they decide is told without their names.
         */
        clusterPolicies: z.boolean().optional(),
        /** May list Services and Ingresses everywhere: what the cluster publishes is theirs to read. */
        exposure: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AuthSession = z.infer<typeof AuthSession>;

export const TokenLogin = z
  .object({
    token: z
      .string()
      .trim()
      .min(1, "paste a bearer token")
      .max(16 * 1024, "a bearer token is at most 16 KiB"),
  })
  .strict();
export type TokenLogin = z.infer<typeof TokenLogin>;

/** The header that carries the session's CSRF token on every state-changing request. */
export const CSRF_HEADER = "X-Trustmap-CSRF";
