// Trustmap's Helm chart (deploy/helm/trustmap), rendered by Helm itself and applied to the test
// control plane: what Trustmap's own analysis says of it, what its service account may do (asked
// of the API server, not read off the chart), and the BFF's build running as that account in the
// in-cluster environment a pod has (a TokenRequest token, the CA and the namespace as files).
import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChangeLogStatus, NamespaceList } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { binaryPath, httpCall } from "../../../../scripts/control-plane.mjs";
import { RESOURCES } from "../sources/kube/resources";
import { eventually, startBundle, stopBundle } from "../testing/bundle";
import {
  type ControlPlane,
  controlPlaneBuilt,
  notBuiltMessage,
  startControlPlane,
} from "../testing/control-plane";
import { CookieJar } from "../testing/cookie-jar";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const chart = join(root, "deploy", "helm", "trustmap");
const DIGEST = `sha256:${"ab".repeat(32)}`;

type Json = Record<string, unknown>;
interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly resourceNames?: string[];
  readonly verbs: string[];
  readonly nonResourceURLs?: string[];
}

let plane: ControlPlane | undefined;
let running: ChildProcess | undefined;
let scratch: string | undefined;

beforeAll(async () => {
  if (!controlPlaneBuilt()) throw new Error(notBuiltMessage());
  plane = await startControlPlane();
  scratch = mkdtempSync(join(tmpdir(), "trustmap-chart-"));
}, 180_000);

afterAll(async () => {
  await stopBundle(running);
  await plane?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** `helm template` of the chart, with the API server's address given (there is no cluster to look it up in). */
function render(server: URL, ...sets: string[]): string {
  return execFileSync(
    binaryPath("helm"),
    [
      "template",
      "trustmap",
      chart,
      "--set",
      `networkPolicy.apiServer.cidrs={${server.hostname}/32}`,
      "--set",
      `networkPolicy.apiServer.ports={${server.port}}`,
      ...sets.flatMap((set) => ["--set", set]),
    ],
    { encoding: "utf8" },
  );
}

function documents(text: string): Json[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Json | null)
    .filter((object): object is Json => object !== null);
}

function named(objects: Json[], kind: string, name?: string): Json {
  const found = objects.filter(
    (object) => object.kind === kind && (name === undefined || (object.metadata as Json).name === name),
  );
  if (found.length !== 1) throw new Error(`the chart renders ${found.length} ${kind} ${name ?? ""}, not one`);
  return found[0]!;
}

const PLURALS: Record<string, [prefix: string, plural: string]> = {
  Namespace: ["/api/v1", "namespaces"],
  ServiceAccount: ["/api/v1", "serviceaccounts"],
  Service: ["/api/v1", "services"],
  Deployment: ["/apis/apps/v1", "deployments"],
  NetworkPolicy: ["/apis/networking.k8s.io/v1", "networkpolicies"],
  Ingress: ["/apis/networking.k8s.io/v1", "ingresses"],
  ClusterRole: ["/apis/rbac.authorization.k8s.io/v1", "clusterroles"],
  ClusterRoleBinding: ["/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings"],
  Secret: ["/api/v1", "secrets"],
};

function collection(object: Json): string {
  const known = PLURALS[object.kind as string];
  if (known === undefined)
    throw new Error(`the chart renders a ${String(object.kind)}, which this test cannot create`);
  const namespace = (object.metadata as Json).namespace as string | undefined;
  return `${known[0]}${namespace === undefined ? "" : `/namespaces/${namespace}`}/${known[1]}`;
}

/** Each rule's grants, one "verb group resource" (or "verb URL") per line, sorted. */
function grants(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules) {
    for (const verb of rule.verbs) {
      for (const url of rule.nonResourceURLs ?? []) out.add(`${verb} url ${url}`);
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? []) {
          const names = rule.resourceNames ?? [];
          if (names.length === 0) out.add(`${verb} ${group}/${resource}`);
          for (const name of names) out.add(`${verb} ${group}/${resource}/${name}`);
        }
    }
  }
  return [...out].sort();
}

async function asToken<T>(
  server: string,
  ca: Buffer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const answer = await httpCall(`${server}${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${token}` },
    tls: { ca },
  });
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(`${method} ${path} as the service account answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

describe("the Helm chart", () => {
  it("renders a hardened pod, its own policies and a ClusterRole of exactly what the BFF reads", () => {
    const objects = documents(render(new URL("https://10.0.0.1:6443"), `image.digest=${DIGEST}`));
    const namespace = named(objects, "Namespace", "trustmap");
    expect((namespace.metadata as Json).labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
    const pod = ((named(objects, "Deployment").spec as Json).template as Json).spec as Json;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod.containers as Json[];
    expect(container!.image).toBe(`trustmap@${DIGEST}`);
    expect(container!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect((container!.resources as Json).limits).toBeDefined();
    expect((container!.resources as Json).requests).toBeDefined();
    // The one token the pod holds: projected, expiring, read-only where client libraries look for it.
    const projected = (pod.volumes as Json[]).find((volume) => volume.name === "service-account")!;
    expect((projected.projected as Json).sources).toContainEqual({
      serviceAccountToken: { path: "token", expirationSeconds: 3600 },
    });
    expect(container!.volumeMounts).toContainEqual({
      name: "service-account",
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      readOnly: true,
    });

    // list and watch on every collection the source reads, nothing else but the two reviews.
    const role = named(objects, "ClusterRole");
    const reads = RESOURCES.flatMap((r) => [`list ${r.group}/${r.plural}`, `watch ${r.group}/${r.plural}`]);
    expect(grants(role.rules as Rule[])).toEqual(
      [
        ...reads,
        "create authentication.k8s.io/tokenreviews",
        "create authorization.k8s.io/subjectaccessreviews",
      ].sort(),
    );

    const policies = objects.filter((object) => object.kind === "NetworkPolicy");
    expect(policies.map((p) => (p.spec as Json).podSelector)).toContainEqual({});
    const own = policies.find((p) => JSON.stringify((p.spec as Json).podSelector) !== "{}")!;
    expect((own.spec as Json).policyTypes).toEqual(["Ingress", "Egress"]);
    expect(((own.spec as Json).ingress as Json[]).map((rule) => rule.ports)).toEqual([
      [{ port: "http", protocol: "TCP" }],
    ]);
    const egress = (own.spec as Json).egress as Json[];
    expect(egress).toHaveLength(2);
    expect(egress[0]).toEqual({
      to: [{ ipBlock: { cidr: "10.0.0.1/32" } }],
      ports: [{ port: 6443, protocol: "TCP" }],
    });
    expect(egress[1]!.ports).toEqual([
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
    ]);
  });

  it("refuses to render without the API server's address, saying which value to set", () => {
    let said = "";
    try {
      execFileSync(binaryPath("helm"), ["template", "trustmap", chart], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      said = String((error as { stderr?: string }).stderr);
    }
    expect(said).toContain("networkPolicy.apiServer.cidrs");
  });

  it("holds no high or critical finding of Trustmap's own analysis on Trustmap's objects", () => {
    const rendered = render(
      new URL("https://10.0.0.1:6443"),
      `image.digest=${DIGEST}`,
      "ingress.enabled=true",
    );
    execFileSync(process.execPath, ["scripts/pnpm.mjs", "-s", "--filter", "@trustmap/cli", "build"], {
      cwd: root,
      stdio: "ignore",
    });
    const report = JSON.parse(
      execFileSync(process.execPath, [join(root, "apps", "cli", "bin", "trustmap.mjs"), "analyze", "-"], {
        input: rendered,
        encoding: "utf8",
        cwd: root,
      }),
    ) as { findings: { severity: string; id: string; objects: string[] }[] };
    const severe = report.findings.filter(
      (finding) => finding.severity === "high" || finding.severity === "critical",
    );
    expect(severe).toEqual([]);
  });

  it("applied to a cluster: the service account may do what the chart declares and nothing more, and the BFF runs as it", {
    timeout: 240_000,
  }, async () => {
    if (plane === undefined || scratch === undefined) throw new Error(notBuiltMessage());
    const api = plane;
    const server = new URL(api.server);
    const objects = documents(render(server, `image.digest=${DIGEST}`));
    for (const object of objects) await api.request("POST", collection(object), object);

    // The Deployment's pod passes Pod Security "restricted", which the namespace enforces at
    // admission (the test control plane runs no ReplicaSet controller: the pod is made here from the
    // Deployment's template, as the controller would make it); a privileged pod does not.
    const template = (named(objects, "Deployment").spec as Json).template as Json;
    const pod = (name: string, spec: Json) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "trustmap", labels: (template.metadata as Json).labels },
      spec,
    });
    await api.request("POST", "/api/v1/namespaces/trustmap/pods", pod("trustmap-0", template.spec as Json));
    const refused = (await api.request(
      "POST",
      "/api/v1/namespaces/trustmap/pods",
      pod("privileged", {
        containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
      }),
      [403],
    )) as Json;
    expect(refused.message).toContain('violates PodSecurity "restricted:latest"');

    const token = (
      (await api.request("POST", "/api/v1/namespaces/trustmap/serviceaccounts/trustmap/token", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      })) as { status: { token: string } }
    ).status.token;
    const ca = readFileSync(api.caFile);

    // What the API server says the account may do, in its own namespace and in another.
    const declared = grants(named(objects, "ClusterRole").rules as Rule[]);
    const everyone = await rulesOfEveryAuthenticatedAccount(api);
    for (const namespace of ["trustmap", "default"]) {
      const review = await asToken<{ status: { resourceRules: Rule[]; nonResourceRules: Rule[] } }>(
        api.server,
        ca,
        token,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
      );
      const granted = grants([...review.status.resourceRules, ...review.status.nonResourceRules]);
      expect(granted.filter((grant) => !everyone.has(grant))).toEqual(
        declared.filter((g) => !everyone.has(g)),
      );
      for (const grant of declared) expect(granted).toContain(grant);
    }

    // The pod's files, as the kubelet would project them, under a folder of the test's.
    const accountDir = join(scratch, "var", "run", "secrets", "kubernetes.io", "serviceaccount");
    mkdirSync(accountDir, { recursive: true });
    writeFileSync(join(accountDir, "token"), token);
    writeFileSync(join(accountDir, "ca.crt"), ca);
    writeFileSync(join(accountDir, "namespace"), "trustmap");
    const home = join(scratch, "home");
    mkdirSync(home, { recursive: true });
    execFileSync(process.execPath, ["scripts/build.mjs", "bff"], { cwd: root, stdio: "ignore" });
    // The login settings as the Deployment gives them, the session secret where its volume puts it.
    const container = ((template.spec as Json).containers as Json[])[0]!;
    const chartEnv = Object.fromEntries(
      (container.env as { name: string; value: string }[]).map(({ name, value }) => [name, value]),
    );
    expect(chartEnv).toMatchObject({
      TRUSTMAP_AUTH: "token",
      TRUSTMAP_SESSION_TTL: "8h",
      TRUSTMAP_CHANGES: "/tmp/trustmap/changes",
    });
    const secret = named(objects, "Secret");
    const sessionDir = join(scratch, "session");
    mkdirSync(sessionDir, { recursive: true });
    writeFileSync(
      join(sessionDir, "session-secret"),
      Buffer.from((secret.data as Record<string, string>)["session-secret"]!, "base64"),
    );
    const { KUBECONFIG: _, ...environment } = process.env;
    const url = await startBundle(
      [],
      (child) => {
        running = child;
      },
      {
        ...environment,
        ...chartEnv,
        TRUSTMAP_SESSION_SECRET_FILE: join(sessionDir, "session-secret"),
        // The change log in the pod's /tmp (an emptyDir): here, the test's own folder.
        TRUSTMAP_CHANGES: join(scratch, chartEnv.TRUSTMAP_CHANGES!),
        HOME: home,
        KUBERNETES_SERVICE_HOST: server.hostname,
        KUBERNETES_SERVICE_PORT: server.port,
        TRUSTMAP_IN_CLUSTER_ROOT: scratch,
      },
    );
    // Nothing without a login; the service account's own token logs in (TokenReview, as the chart allows).
    expect((await fetch(`${url}/api/health`)).status).toBe(401);
    expect(await (await fetch(`${url}/healthz`)).text()).toBe("ok\n");
    const viewer = new CookieJar(url);
    await viewer.logIn(token);
    const health = await eventually(
      "the BFF to be connected as the service account",
      async () => (await (await viewer.fetch("/api/health")).json()) as Json,
      (value) => value.connected === true && value.backlog === 0,
    );
    expect(JSON.stringify(health)).not.toMatch(/forbidden|refused/i);
    const namespaces = async () =>
      NamespaceList.parse(await (await viewer.fetch("/api/namespaces")).json()).namespaces;
    const first = (await namespaces()).find((n) => n.name === "trustmap");
    expect(first).toMatchObject({ networkPolicies: 2, defaultDenyIngress: true, defaultDenyEgress: true });

    // Watched too: a namespace made now shows.
    await api.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "made-after-start" },
    });
    await eventually("the watch to bring the new namespace", namespaces, (list) =>
      list.some((n) => n.name === "made-after-start"),
    );
    // The change log where the chart keeps it, recording as the service account sees the cluster.
    const log = await eventually(
      "the change log to record",
      async () => ChangeLogStatus.parse(await (await viewer.fetch("/api/changes/status")).json()),
      (status) => status.state === "recording",
    );
    expect(log.store).toBe(`embedded PostgreSQL in ${join(scratch, "tmp", "trustmap", "changes")}`);
  });
});

/**
 * What every authenticated account may do, whatever the chart says: the rules of the ClusterRoles
 * bound to the groups every service account is in (system:basic-user, system:discovery, …).
 */
async function rulesOfEveryAuthenticatedAccount(api: ControlPlane): Promise<Set<string>> {
  const groups = new Set([
    "system:authenticated",
    "system:serviceaccounts",
    "system:serviceaccounts:trustmap",
  ]);
  const bindings = (await api.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")) as {
    items: { roleRef: { name: string }; subjects?: { kind: string; name: string }[] }[];
  };
  const roles = bindings.items
    .filter((b) => (b.subjects ?? []).some((s) => s.kind === "Group" && groups.has(s.name)))
    .map((b) => b.roleRef.name);
  const rules: Rule[] = [];
  for (const name of roles) {
    const role = (await api.request("GET", `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`)) as {
      rules?: Rule[];
    };
    rules.push(...(role.rules ?? []));
  }
  return new Set(grants(rules));
}
