// Types of scripts/control-plane.mjs, for the TypeScript harness apps/bff/src/testing/control-plane.ts.
export declare const ROOT: string;
export declare const CACHE_DIR: string;
export declare const BIN_DIR: string;
export declare const BUILD_COMMAND: string;
export declare const BINARIES: readonly string[];
export declare function binaryPath(name: string): string;
export declare function missingBinaries(): string[];
export declare function controlPlaneBuilt(): boolean;
export declare const CRD_DIR: string;
export declare function crdFiles(api?: "policy" | "gateway"): string[];
export declare function buildControlPlane(options?: { log?: (line: string) => void }): {
  total: number;
  timings: Record<string, number>;
};

export interface HttpResult {
  readonly status: number;
  readonly text: string;
}
export declare function httpCall(
  url: string,
  options?: {
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
    timeoutMs?: number;
  },
): Promise<HttpResult>;

export interface StartedControlPlane {
  readonly dir: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** etcd's client URL (plain HTTP, loopback). */
  readonly etcdUrl: string;
  /** An admin kubeconfig (client certificate of group system:masters). */
  readonly kubeconfigPath: string;
  readonly caFile: string;
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  /**
   * An admin request. Resolves with the parsed JSON body (or the text) on a 2xx answer or a status
   * listed in `allowStatuses`; rejects naming the status and body otherwise. A body is sent as JSON
   * unless `contentType` says otherwise (e.g. "application/merge-patch+json" for a PATCH).
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    allowStatuses?: readonly number[],
    contentType?: string,
  ): Promise<unknown>;
  /** Starts kube-apiserver again on the same port and waits for /readyz (about 2–3 s). */
  startApiserver(): Promise<void>;
  /**
   * Kills kube-apiserver: SIGKILL by default (a crash), or SIGTERM with `graceful` (10 s or more
   * with watches open).
   */
  stopApiserver(options?: { graceful?: boolean }): Promise<void>;
  /** Installs the AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy CRDs; waits until served. */
  installPolicyCrds(): Promise<string[]>;
  installGatewayCrds(): Promise<string[]>;
  /** stopApiserver, then startApiserver: same port, same etcd, waits for /readyz. */
  restartApiserver(options?: { graceful?: boolean }): Promise<void>;
  /** Compacts etcd at its current revision: watches from an older resourceVersion then get 410 Gone. Returns the revision. */
  compactEtcd(): Promise<number>;
  /** Kills every process and removes the temp dir. */
  stop(): Promise<void>;
  /** Synchronous: SIGKILLs every child and removes the temp dir (for process "exit" handlers). */
  killNow(): void;
}
export interface ControlPlaneOptions {
  /** Run kube-controller-manager too (RBAC aggregation, default service accounts, namespace deletion). Default true. */
  readonly controllerManager?: boolean;
  /** How long each component may take to become ready. Default 120 s. */
  readonly readyTimeoutMs?: number;
  /** Progress lines (etcd ready, apiserver ready…). Default: silent. */
  readonly log?: (line: string) => void;
  /** More kube-apiserver flags (e.g. --oidc-issuer-url=… to trust an OpenID provider). */
  readonly apiserverArgs?: readonly string[];
}
export declare function startControlPlane(options?: ControlPlaneOptions): Promise<StartedControlPlane>;

/** A CA in `dir` (ca.key, ca.crt) named `commonName`. */
export declare function makeCa(dir: string, commonName: string, days?: string): void;
/** `name`.key and `name`.crt in `dir`, signed by its CA, with these X.509 extensions (openssl's text). */
export declare function makeLeaf(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  days?: string,
): void;
