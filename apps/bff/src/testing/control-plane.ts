import { existsSync } from "node:fs";
// The test control plane for Vitest: etcd, kube-apiserver and kube-controller-manager, built from
// the Go module proxy by `node scripts/control-plane.mjs build` and started on loopback ports with
// generated certificates. The logic lives in scripts/control-plane.mjs (one implementation for the
// command line and the tests); this module gives it types and a test-friendly surface.
import {
  BUILD_COMMAND,
  binaryPath,
  controlPlaneBuilt as built,
  type ControlPlaneOptions,
  crdFiles,
  missingBinaries,
  type StartedControlPlane,
  startControlPlane as start,
} from "../../../../scripts/control-plane.mjs";

export type { ControlPlaneOptions };

/** The control plane as tests use it: the script's own handle, less its internals. */
export type ControlPlane = Pick<
  StartedControlPlane,
  | "kubeconfigPath"
  | "server"
  | "caFile"
  | "etcdUrl"
  | "request"
  | "startApiserver"
  | "stopApiserver"
  | "restartApiserver"
  | "compactEtcd"
  | "installPolicyCrds"
  | "installGatewayCrds"
  | "stop"
>;

/** Whether `node scripts/control-plane.mjs build` has built the three binaries. */
export function controlPlaneBuilt(): boolean {
  return built();
}

/** The error a test gets when the binaries are missing: which ones, and the command that builds them. */
export function notBuiltMessage(): string {
  return (
    `The test control plane is not built (missing: ${[...missingBinaries().map(binaryPath), ...crdFiles().filter((f) => !existsSync(f))].join(", ")}). ` +
    `Build it once from the repository root with: ${BUILD_COMMAND}`
  );
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  if (!built()) throw new Error(notBuiltMessage());
  const plane = await start(options);
  // A test process that dies without afterAll still leaves no servers behind.
  const onExit = (): void => plane.killNow();
  process.once("exit", onExit);
  return {
    kubeconfigPath: plane.kubeconfigPath,
    server: plane.server,
    caFile: plane.caFile,
    etcdUrl: plane.etcdUrl,
    request: plane.request,
    startApiserver: plane.startApiserver,
    stopApiserver: plane.stopApiserver,
    restartApiserver: plane.restartApiserver,
    compactEtcd: plane.compactEtcd,
    installPolicyCrds: plane.installPolicyCrds,
    installGatewayCrds: plane.installGatewayCrds,
    stop: async () => {
      process.removeListener("exit", onExit);
      await plane.stop();
    },
  };
}
