// Types of scripts/control-plane.mjs, for the TypeScript harness apps/bff/src/testing/control-plane.ts.
export declare const ROOT: string;
export declare const CACHE_DIR: string;
export declare const BIN_DIR: string;
export declare const BUILD_COMMAND: string;
export declare const BINARIES: readonly string[];
export declare function binaryPath(name: string): string;
export declare function missingBinaries(): string[];
export declare function controlPlaneBuilt(): boolean;
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
  readonly server: string;
  readonly etcdUrl: string;
  readonly kubeconfigPath: string;
  readonly caFile: string;
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  request(
    method: string,
    path: string,
    body?: unknown,
    allowStatuses?: readonly number[],
    contentType?: string,
  ): Promise<unknown>;
  startApiserver(): Promise<void>;
  stopApiserver(options?: { graceful?: boolean }): Promise<void>;
  restartApiserver(options?: { graceful?: boolean }): Promise<void>;
  compactEtcd(): Promise<number>;
  stop(): Promise<void>;
  /** Synchronous: SIGKILLs every child and removes the temp dir (for process "exit" handlers). */
  killNow(): void;
}
export declare function startControlPlane(options?: {
  controllerManager?: boolean;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}): Promise<StartedControlPlane>;
