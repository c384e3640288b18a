// The test control plane for Vitest: etcd, kube-apiserver and kube-controller-manager, built from
// the Go module proxy by `node scripts/control-plane.mjs build` and started on loopback ports with
// generated certificates. The logic lives in scripts/control-plane.mjs (one implementation for the
// command line and the tests); this module gives it types and a test-friendly surface.
import {
  BUILD_COMMAND,
  binaryPath,
  controlPlaneBuilt as built,
  missingBinaries,
  startControlPlane as start,
} from "../../../../scripts/control-plane.mjs";

export interface ControlPlaneOptions {
  /** Run kube-controller-manager too (RBAC aggregation, default service accounts, namespace deletion). Default true. */
  readonly controllerManager?: boolean;
  /** How long each component may take to become ready. Default 120 s. */
  readonly readyTimeoutMs?: number;
  /** Progress lines (etcd ready, apiserver ready…). Default: silent. */
  readonly log?: (line: string) => void;
}

export interface StopOptions {
  /** SIGTERM and wait for the apiserver's own shutdown, instead of SIGKILL. Default false. */
  readonly graceful?: boolean;
}

export interface ControlPlane {
  /** An admin kubeconfig (client certificate of group system:masters). */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** etcd's client URL (plain HTTP, loopback). */
  readonly etcdUrl: string;
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
  /** stopApiserver, then startApiserver: same port, same etcd, waits for /readyz. */
  restartApiserver(options?: StopOptions): Promise<void>;
  /** Kills kube-apiserver: SIGKILL by default (a crash), or SIGTERM with `graceful` (10 s or more with watches open). */
  stopApiserver(options?: StopOptions): Promise<void>;
  /** Starts kube-apiserver again on the same port and waits for /readyz (about 2–3 s). */
  startApiserver(): Promise<void>;
  /** Compacts etcd at its current revision: watches from an older resourceVersion then get 410 Gone. Returns the revision. */
  compactEtcd(): Promise<number>;
  /** Kills every process and removes the temp dir. */
  stop(): Promise<void>;
}

/** Whether `node scripts/control-plane.mjs build` has built the three binaries. */
export function controlPlaneBuilt(): boolean {
  return built();
}

/** The error a test gets when the binaries are missing: which ones, and the command that builds them. */
export function notBuiltMessage(): string {
  return (
    `The test control plane is not built (missing: ${missingBinaries().map(binaryPath).join(", ")}). ` +
    `Build it once from the repository root with: ${BUILD_COMMAND}`
  );
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  if (!built()) throw new Error(notBuiltMessage());
  const plane = await start({
    ...(options.controllerManager === undefined ? {} : { controllerManager: options.controllerManager }),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  // A test process that dies without afterAll still leaves no servers behind.
  const onExit = (): void => plane.killNow();
  process.once("exit", onExit);
  return {
    kubeconfigPath: plane.kubeconfigPath,
    server: plane.server,
    etcdUrl: plane.etcdUrl,
    request: (method, path, body, allowStatuses, contentType) =>
      plane.request(method, path, body, allowStatuses, contentType),
    restartApiserver: (options) =>
      plane.restartApiserver(options?.graceful === undefined ? {} : { graceful: options.graceful }),
    stopApiserver: (options) =>
      plane.stopApiserver(options?.graceful === undefined ? {} : { graceful: options.graceful }),
    startApiserver: () => plane.startApiserver(),
    compactEtcd: () => plane.compactEtcd(),
    stop: async () => {
      process.removeListener("exit", onExit);
      await plane.stop();
    },
  };
}
