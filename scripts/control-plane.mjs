#!/usr/bin/env node
// The test control plane: etcd, kube-apiserver and kube-controller-manager, built from the Go
// module proxy (no Docker, no prebuilt downloads) and started on loopback for the tests.
//
//   node scripts/control-plane.mjs build   builds the three binaries (and helm, for the chart's tests) once into .cache/control-plane/bin/
//   node scripts/control-plane.mjs start   starts them, prints the admin kubeconfig path, runs until SIGINT/SIGTERM
//
// Needs: Go >= 1.25 (GOTOOLCHAIN=local: no toolchain download), the Go module proxy, Debian's openssl CLI.
// The wrapper modules are tools/control-plane/kube (k8s.io/kubernetes v1.35.4, each staging module
// replaced by its published v0.35.4 twin) and tools/control-plane/etcd (go.etcd.io/etcd/server/v3 v3.6.5);
// tools/helm builds Helm (helm.sh/helm/v3 v3.22.0), which the tests of Trustmap's chart run.
// The TypeScript harness apps/bff/src/testing/control-plane.ts imports this file's functions.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CACHE_DIR = join(ROOT, ".cache", "control-plane");
export const BIN_DIR = join(CACHE_DIR, "bin");
export const BUILD_COMMAND = "node scripts/control-plane.mjs build";
const STAMP = join(BIN_DIR, "stamp.json");
const KUBE_VERSION = "v1.35.4";
/** The Helm release tools/helm/go.mod requires (what `helm version` reports). */
const HELM_VERSION = "v3.22.0";

/** The wrapper modules and what each builds. */
const MODULES = [
  {
    name: "kube",
    dir: join(ROOT, "tools", "control-plane", "kube"),
    files: ["go.mod", "go.sum"],
    binaries: [
      { name: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver" },
      { name: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager" },
    ],
    // What `kube-apiserver --version` and /version report (upstream sets these from git at release).
    ldflags: [
      "-s",
      "-w",
      `-X k8s.io/component-base/version.gitVersion=${KUBE_VERSION}`,
      `-X k8s.io/component-base/version.gitMajor=${KUBE_VERSION.split(".")[0].slice(1)}`,
      `-X k8s.io/component-base/version.gitMinor=${KUBE_VERSION.split(".")[1]}`,
      "-X k8s.io/component-base/version.gitTreeState=clean",
      `-X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION}`,
    ],
  },
  {
    name: "etcd",
    dir: join(ROOT, "tools", "control-plane", "etcd"),
    files: ["go.mod", "go.sum", "main.go"],
    binaries: [{ name: "etcd", pkg: "." }],
    ldflags: ["-s", "-w"],
  },
  {
    // Not a part of the control plane: the tests render Trustmap's Helm chart with Helm itself.
    name: "helm",
    dir: join(ROOT, "tools", "helm"),
    files: ["go.mod", "go.sum", "tools.go"],
    binaries: [{ name: "helm", pkg: "helm.sh/helm/v3/cmd/helm" }],
    ldflags: ["-s", "-w", `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`],
  },
];

export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "helm"];

/**
 * The CustomResourceDefinitions tests install, from the module proxy's copies (experimental
 * channels):
 * - the cluster-wide network policy API, sigs.k8s.io/network-policy-api: AdminNetworkPolicy and
 *   BaselineAdminNetworkPolicy as v0.1.7 (v1alpha1), ClusterNetworkPolicy as v0.3.0 (v1alpha2);
 * - the Gateway API, sigs.k8s.io/gateway-api v1.6.3: Gateways and the five route kinds.
 */
const POLICY_API = "sigs.k8s.io/network-policy-api";
const GATEWAY_API = "sigs.k8s.io/gateway-api";
const CRDS = [
  {
    api: "policy",
    module: POLICY_API,
    version: "v0.1.7",
    file: "policy.networking.k8s.io_adminnetworkpolicies.yaml",
  },
  {
    api: "policy",
    module: POLICY_API,
    version: "v0.1.7",
    file: "policy.networking.k8s.io_baselineadminnetworkpolicies.yaml",
  },
  {
    api: "policy",
    module: POLICY_API,
    version: "v0.3.0",
    file: "policy.networking.k8s.io_clusternetworkpolicies.yaml",
  },
  ...["gateways", "httproutes", "grpcroutes", "tlsroutes", "tcproutes", "udproutes"].map((plural) => ({
    api: "gateway",
    module: GATEWAY_API,
    version: "v1.6.3",
    file: `gateway.networking.k8s.io_${plural}.yaml`,
  })),
];
export const CRD_DIR = join(CACHE_DIR, "crds");

/** The CRD files kept in the cache (of one API, or all), in the order they are installed. */
export function crdFiles(api) {
  return CRDS.filter((crd) => api === undefined || crd.api === api).map((crd) => join(CRD_DIR, crd.file));
}

/** Copies the CRDs out of the module proxy's downloads into the cache, unless they are there. */
function fetchCrds(go, env) {
  const started = Date.now();
  mkdirSync(CRD_DIR, { recursive: true });
  const missing = CRDS.filter((crd) => !existsSync(join(CRD_DIR, crd.file)));
  for (const release of new Set(missing.map((crd) => `${crd.module}@${crd.version}`))) {
    const result = spawnSync(go, ["mod", "download", "-json", release], {
      cwd: CACHE_DIR,
      env: { ...env, GOFLAGS: "-mod=mod" },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`go mod download ${release} failed: ${result.stderr}`);
    const dir = JSON.parse(result.stdout).Dir;
    for (const crd of missing.filter((c) => `${c.module}@${c.version}` === release))
      writeFileSync(
        join(CRD_DIR, crd.file),
        readFileSync(join(dir, "config", "crd", "experimental", crd.file)),
      );
  }
  return (Date.now() - started) / 1000;
}

export function binaryPath(name) {
  return join(BIN_DIR, name);
}

/** The binaries not built yet. */
export function missingBinaries() {
  return BINARIES.filter((name) => !existsSync(binaryPath(name)));
}

export function controlPlaneBuilt() {
  return missingBinaries().length === 0 && crdFiles().every((file) => existsSync(file));
}

function findGo() {
  for (const candidate of ["go", "/usr/local/go/bin/go"]) {
    const result = spawnSync(candidate, ["env", "GOVERSION"], { encoding: "utf8" });
    if (result.status === 0) return { go: candidate, version: result.stdout.trim() };
  }
  throw new Error(
    "Go (1.25 or later) is needed to build the test control plane: neither `go` on PATH nor /usr/local/go/bin/go runs",
  );
}

function goEnv() {
  return {
    ...process.env,
    // Every download and object file stays in the git-ignored cache, reused by later builds.
    GOCACHE: join(CACHE_DIR, "go", "build"),
    GOMODCACHE: join(CACHE_DIR, "go", "mod"),
    GOPATH: join(CACHE_DIR, "go", "path"),
    // Use the Go on the machine, never download another toolchain.
    GOTOOLCHAIN: "local",
    // Static binaries: no C toolchain or libc needed at run time.
    CGO_ENABLED: "0",
    // go.mod/go.sum are committed: a build never edits them, and every module is checked against go.sum.
    // Checksums are NOT disabled: GOSUMDB keeps its default. sum.golang.org itself does not resolve on
    // this workplace's machines, but the go command reaches the checksum database through the module
    // proxy (proxy.golang.org/sumdb/sum.golang.org), and with a complete go.sum it needs neither.
    GOFLAGS: "-mod=readonly -buildvcs=false -trimpath",
  };
}

function hashModule(module, goVersion) {
  const hash = createHash("sha256");
  hash.update(goVersion);
  for (const file of module.files) hash.update(`\0${file}\0`).update(readFileSync(join(module.dir, file)));
  hash.update(`\0${module.ldflags.join(" ")}`);
  return hash.digest("hex");
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, "utf8"));
  } catch {
    return {};
  }
}

function run(command, args, options) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}) in ${options.cwd}`,
    );
  }
  return (Date.now() - started) / 1000;
}

/**
 * Builds the binaries whose wrapper module changed (or that are missing). Returns the seconds each
 * step took; a module whose stamp matches and whose binaries exist is skipped.
 */
export function buildControlPlane({ log = (line) => console.error(line) } = {}) {
  const started = Date.now();
  const { go, version } = findGo();
  mkdirSync(BIN_DIR, { recursive: true });
  const stamp = readStamp();
  const env = goEnv();
  const timings = {};
  for (const module of MODULES) {
    const hash = hashModule(module, version);
    const present = module.binaries.every((binary) => existsSync(binaryPath(binary.name)));
    if (present && stamp[module.name] === hash) {
      log(`control plane: ${module.binaries.map((b) => b.name).join(", ")} up to date`);
      continue;
    }
    log(`control plane: downloading the modules of ${relative(ROOT, module.dir)} (${version})`);
    timings[`${module.name} download`] = run(go, ["mod", "download"], { cwd: module.dir, env });
    for (const binary of module.binaries) {
      log(`control plane: building ${binary.name}`);
      const out = binaryPath(binary.name);
      const args = ["build", `-ldflags=${module.ldflags.join(" ")}`, "-o", `${out}.tmp`, binary.pkg];
      timings[binary.name] = run(go, args, { cwd: module.dir, env });
      rmSync(out, { force: true });
      // Renamed only once complete: a half-written binary never counts as built.
      spawnSync("mv", [`${out}.tmp`, out]);
    }
    stamp[module.name] = hash;
    writeFileSync(STAMP, `${JSON.stringify(stamp, null, 2)}\n`);
  }
  if (!crdFiles().every((file) => existsSync(file))) {
    log(`control plane: fetching the CRDs of ${POLICY_API} and ${GATEWAY_API}`);
    timings.CRDs = fetchCrds(go, env);
  }
  const total = (Date.now() - started) / 1000;
  const steps = Object.entries(timings).map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`);
  log(
    `control plane: built in ${total.toFixed(1)} s${steps.length > 0 ? ` (${steps.join(", ")})` : " (nothing to do)"}`,
  );
  return { total, timings };
}

// ---------------------------------------------------------------------------------------------
// Starting it

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(address.port));
    });
  });
}

function openssl(args, cwd) {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.error)
    throw new Error(
      `the openssl CLI is needed for the control plane's certificates: ${result.error.message}`,
    );
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

/** A CA in `dir` (ca.key, ca.crt) named `commonName`. */
export function makeCa(dir, commonName, days = "3650") {
  openssl(["genrsa", "-out", "ca.key", "2048"], dir);
  openssl(
    ["req", "-x509", "-new", "-key", "ca.key", "-subj", `/CN=${commonName}`, "-days", days, "-out", "ca.crt"],
    dir,
  );
}

/** `name`.key and `name`.crt in `dir`, signed by its CA, with these X.509 extensions (openssl's text). */
export function makeLeaf(dir, name, subject, extensions, days = "3650") {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(["genrsa", "-out", `${name}.key`, "2048"], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], dir);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      days,
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ],
    dir,
  );
}

/** A CA, the apiserver's serving cert (127.0.0.1), an admin client cert (system:masters), a service-account key pair. */
function makeCertificates(dir) {
  makeCa(dir, "trustmap-test-ca");
  const leaf = (name, subject, extensions) => makeLeaf(dir, name, subject, extensions);
  leaf(
    "apiserver",
    "/CN=kube-apiserver",
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n",
  );
  const client =
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
  leaf("admin", "/O=system:masters/CN=trustmap-admin", client);
  leaf("controller-manager", "/CN=system:kube-controller-manager", client);
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  const read = (file) => readFileSync(join(dir, file));
  return {
    dir,
    caFile: join(dir, "ca.crt"),
    ca: read("ca.crt"),
    admin: {
      certFile: join(dir, "admin.crt"),
      keyFile: join(dir, "admin.key"),
      cert: read("admin.crt"),
      key: read("admin.key"),
    },
    controllerManager: {
      certFile: join(dir, "controller-manager.crt"),
      keyFile: join(dir, "controller-manager.key"),
    },
  };
}

function kubeconfig(server, caFile, user, certFile, keyFile) {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: trustmap-test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate: ${certFile}`,
    `    client-key: ${keyFile}`,
    "contexts:",
    "- name: trustmap-test",
    "  context:",
    "    cluster: trustmap-test",
    `    user: ${user}`,
    "current-context: trustmap-test",
    "",
  ].join("\n");
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** A child process whose output goes to a log file, remembered so it can be killed on exit. */
class Child {
  constructor(name, args, logFile) {
    this.name = name;
    this.logFile = logFile;
    this.exited = false;
    this.process = spawn(binaryPath(name), args, { stdio: ["ignore", "pipe", "pipe"] });
    this.exit = new Promise((done) => {
      this.process.on("exit", (code, signal) => {
        this.exited = true;
        done({ code, signal });
      });
      this.process.on("error", (error) => {
        this.exited = true;
        done({ code: null, signal: null, error });
      });
    });
    // Everything the process prints goes to its log file as it comes, and the last lines stay in
    // memory for the error message when it dies before it is ready.
    const file = createWriteStream(logFile);
    const recent = [];
    const collect = (chunk) => {
      file.write(chunk);
      recent.push(chunk);
      if (recent.length > 200) recent.shift();
    };
    this.process.stdout.on("data", collect);
    this.process.stderr.on("data", collect);
    this.process.on("close", () => file.end());
    this.output = () => Buffer.concat(recent).toString("utf8");
  }

  tail(lines = 30) {
    return this.output().trimEnd().split("\n").slice(-lines).join("\n");
  }

  async kill(signal = "SIGTERM", timeoutMs = 10_000) {
    if (this.exited) return;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill("SIGKILL"), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }
}

/** An HTTPS (or plain HTTP) request; resolves with the status and the body as text. */
export function httpCall(url, { method = "GET", body, headers = {}, tls = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((done, fail) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const request = send(
      target,
      {
        method,
        headers: {
          accept: "application/json",
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          ...headers,
        },
        ...tls,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          done({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", fail);
      },
    );
    request.on("timeout", () =>
      request.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)),
    );
    request.on("error", fail);
    if (payload !== undefined) request.write(payload);
    request.end();
  });
}

async function waitFor(what, child, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child?.exited) {
      throw new Error(`${child.name} exited before it was ready (log ${child.logFile}):\n${child.tail()}`);
    }
    try {
      const result = await check();
      if (result === true) return;
      last = String(result);
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(
    `${what} not ready within ${timeoutMs / 1000} s (last: ${last})${child ? `\n${child.tail()}` : ""}`,
  );
}

/**
 * Starts etcd, kube-apiserver and (unless controllerManager is false) kube-controller-manager on
 * free loopback ports. Everything lives in a fresh temp dir that stop() removes.
 */
export async function startControlPlane({
  controllerManager = true,
  readyTimeoutMs = 120_000,
  log = () => {},
  apiserverArgs: extraApiserverArgs = [],
} = {}) {
  const missing = missingBinaries();
  if (missing.length > 0) {
    throw new Error(
      `The test control plane is not built: ${missing.map(binaryPath).join(", ")} missing. ` +
        `Build it once (needs Go >= 1.25 and the Go module proxy; minutes the first time) with: ${BUILD_COMMAND}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "trustmap-control-plane-"));
  const children = new Set();
  let stopped = false;
  let apiserver;
  let controllerManagerChild;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The apiserver and controller manager first, etcd last.
    await Promise.all([...children].filter((child) => child.name !== "etcd").map((child) => child.kill()));
    await Promise.all([...children].filter((child) => child.name === "etcd").map((child) => child.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  /** Synchronous last resort for process "exit" handlers, where nothing async runs any more. */
  const killNow = () => {
    for (const child of children) if (!child.exited) child.process.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certs = makeCertificates(dir);
    const [etcdClientPort, etcdPeerPort, apiserverPort, controllerManagerPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const server = `https://127.0.0.1:${apiserverPort}`;
    const tls = { ca: certs.ca, cert: certs.admin.cert, key: certs.admin.key };

    const etcd = new Child(
      "etcd",
      [
        "--name=trustmap-test",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=trustmap-test=http://127.0.0.1:${etcdPeerPort}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      join(dir, "etcd.log"),
    );
    children.add(etcd);
    await waitFor(
      "etcd",
      etcd,
      async () => {
        const health = await httpCall(`${etcdUrl}/health`, { timeoutMs: 2_000 });
        return health.status === 200 || health.text;
      },
      readyTimeoutMs,
    );
    log(`etcd ready on ${etcdUrl}`);

    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${join(dir, "apiserver.crt")}`,
      `--tls-private-key-file=${join(dir, "apiserver.key")}`,
      `--client-ca-file=${certs.caFile}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      // No kubelet, no nodes: nothing to wait for, no admission that needs them.
      "--disable-admission-plugins=ServiceAccount",
      "--enable-priority-and-fairness=false",
      "--endpoint-reconciler-type=none",
      "--v=0",
      ...extraApiserverArgs,
    ];
    let apiserverStarts = 0;
    const startApiserver = async () => {
      if (apiserver && !apiserver.exited) return;
      apiserverStarts += 1;
      apiserver = new Child(
        "kube-apiserver",
        apiserverArgs,
        join(dir, `kube-apiserver.${apiserverStarts}.log`),
      );
      children.add(apiserver);
      const child = apiserver;
      await waitFor(
        "kube-apiserver /readyz",
        child,
        async () => {
          const ready = await httpCall(`${server}/readyz`, { tls, timeoutMs: 2_000 });
          return ready.status === 200 || `${ready.status} ${ready.text.slice(0, 200)}`;
        },
        readyTimeoutMs,
      );
      log(`kube-apiserver ready on ${server}`);
    };
    // By default a crash (SIGKILL: connections reset, no goodbye); graceful: SIGTERM, which with
    // watches open takes the apiserver 10 s or more.
    const stopApiserver = async ({ graceful = false } = {}) => {
      if (!apiserver) return;
      await (graceful ? apiserver.kill("SIGTERM", 30_000) : apiserver.kill("SIGKILL"));
      children.delete(apiserver);
    };
    await startApiserver();

    const kubeconfigPath = join(dir, "admin.kubeconfig");
    writeFileSync(
      kubeconfigPath,
      kubeconfig(server, certs.caFile, "trustmap-admin", certs.admin.certFile, certs.admin.keyFile),
    );

    if (controllerManager) {
      const cmKubeconfig = join(dir, "controller-manager.kubeconfig");
      writeFileSync(
        cmKubeconfig,
        kubeconfig(
          server,
          certs.caFile,
          "system:kube-controller-manager",
          certs.controllerManager.certFile,
          certs.controllerManager.keyFile,
        ),
      );
      controllerManagerChild = new Child(
        "kube-controller-manager",
        [
          `--kubeconfig=${cmKubeconfig}`,
          `--authentication-kubeconfig=${cmKubeconfig}`,
          `--authorization-kubeconfig=${cmKubeconfig}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${controllerManagerPort}`,
          `--cert-dir=${join(dir, "controller-manager-certs")}`,
          "--leader-elect=false",
          // Each controller runs as its own service account, with the bootstrap role made for it (as kubeadm does).
          "--use-service-account-credentials=true",
          `--service-account-private-key-file=${join(dir, "sa.key")}`,
          `--root-ca-file=${certs.caFile}`,
          // What a control plane without kubelets needs: RBAC aggregation, service accounts and
          // their token-less defaults, namespace deletion, garbage collection.
          "--controllers=clusterrole-aggregation-controller,serviceaccount-controller,namespace-controller,garbage-collector-controller,root-ca-certificate-publisher-controller",
          "--v=0",
        ],
        join(dir, "kube-controller-manager.log"),
      );
      children.add(controllerManagerChild);
      const child = controllerManagerChild;
      await waitFor(
        "kube-controller-manager /healthz",
        child,
        async () => {
          const health = await httpCall(`https://127.0.0.1:${controllerManagerPort}/healthz`, {
            tls: { rejectUnauthorized: false },
            timeoutMs: 2_000,
          });
          return health.status === 200 || `${health.status}`;
        },
        readyTimeoutMs,
      );
      log("kube-controller-manager running");
    }

    /** Admin request: parsed JSON (or text) on 2xx or an allowed status, else an error naming the status. */
    const request = async (method, path, body, allowStatuses = [], contentType) => {
      const headers = contentType ? { "content-type": contentType } : {};
      const response = await httpCall(`${server}${path}`, { method, body, headers, tls });
      if ((response.status < 200 || response.status >= 300) && !allowStatuses.includes(response.status)) {
        throw new Error(`${method} ${path} answered ${response.status}: ${response.text.slice(0, 500)}`);
      }
      try {
        return JSON.parse(response.text);
      } catch {
        return response.text;
      }
    };

    /** Installs CRDs and waits until each is Established (served). Returns their names. */
    const installCrds = async (files) => {
      const names = [];
      for (const file of files) {
        const created = await request(
          "POST",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
          readFileSync(file, "utf8"),
          [409],
          "application/yaml",
        );
        const name = /\n {2}name: (\S+)/.exec(readFileSync(file, "utf8"))?.[1] ?? created?.metadata?.name;
        names.push(name);
      }
      for (const name of names) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const crd = await request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
          const established = crd?.status?.conditions?.some(
            (c) => c.type === "Established" && c.status === "True",
          );
          if (established) break;
          if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within 60 s`);
          await new Promise((done) => setTimeout(done, 200));
        }
      }
      return names;
    };
    /** The cluster-wide network policy API's CRDs. */
    const installPolicyCrds = () => installCrds(crdFiles("policy"));
    /** The Gateway API's CRDs (Gateways and routes). */
    const installGatewayCrds = () => installCrds(crdFiles("gateway"));

    /** Compacts etcd at its current revision, so watches from older resourceVersions get 410 Gone. */
    const compactEtcd = async () => {
      const range = await httpCall(`${etcdUrl}/v3/kv/range`, {
        method: "POST",
        body: { key: Buffer.from("\0").toString("base64") },
      });
      if (range.status !== 200) throw new Error(`etcd range answered ${range.status}: ${range.text}`);
      const revision = JSON.parse(range.text).header.revision;
      const compacted = await httpCall(`${etcdUrl}/v3/kv/compaction`, {
        method: "POST",
        body: { revision, physical: true },
      });
      if (compacted.status !== 200)
        throw new Error(`etcd compaction answered ${compacted.status}: ${compacted.text}`);
      return Number(revision);
    };

    return {
      dir,
      server,
      etcdUrl,
      kubeconfigPath,
      caFile: certs.caFile,
      tls,
      request,
      startApiserver,
      stopApiserver,
      restartApiserver: async (options) => {
        await stopApiserver(options);
        await startApiserver();
      },
      compactEtcd,
      installPolicyCrds,
      installGatewayCrds,
      stop,
      killNow,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  const command = process.argv[2];
  if (command === "build") {
    buildControlPlane({ log: (line) => console.log(line) });
    return;
  }
  if (command === "start") {
    const plane = await startControlPlane({ log: (line) => console.error(line) });
    let exiting = false;
    const shutdown = async (code) => {
      if (exiting) return;
      exiting = true;
      await plane.stop();
      process.exit(code);
    };
    process.on("SIGINT", () => shutdown(130));
    process.on("SIGTERM", () => shutdown(143));
    // Last resort: any other exit still kills the children and removes the temp dir.
    process.on("exit", () => plane.killNow());
    console.log(plane.kubeconfigPath);
    console.error(
      `control plane up: ${plane.server} (etcd ${plane.etcdUrl}); Ctrl-C stops it and removes ${plane.dir}`,
    );
    return;
  }
  console.error(`usage: node scripts/control-plane.mjs build|start\n  build: ${BUILD_COMMAND}`);
  process.exit(2);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
