// A scripted stand-in for kube-apiserver, for the Kubernetes source's tests: it serves lists in
// pages (limit and continue) and watch streams of newline-delimited JSON, records every request,
// and lets a test answer any request its own way.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

export type RawObject = Record<string, unknown>;

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  /** When it arrived (Date.now()). */
  readonly at: number;
  /** Which TCP connection it came over: 1 for the server's first, and so on. */
  readonly connection: number;
}

/** Answers a request itself (returns true), or leaves it to the fake's usual behaviour. */
export type Script = (request: SeenRequest, response: http.ServerResponse) => boolean;

export const TOKEN = "test-token-123";

export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  /** Tried in order before the usual behaviour. */
  readonly scripts: Script[] = [];
  /** The bearer token the fake accepts; any other request is answered 401. */
  token = TOKEN;
  private readonly collections = new Map<string, Map<string, RawObject>>();
  private readonly watches = new Map<string, Set<http.ServerResponse>>();
  private revision = 1000;
  private readonly connections = new WeakMap<object, number>();
  private connectionCount = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeApiServer> {
    const server = http.createServer();
    const api = new FakeApiServer(server);
    server.on("request", (request, response) => api.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return api;
  }

  private connectionOf(socket: object): number {
    let id = this.connections.get(socket);
    if (id === undefined) {
      id = ++this.connectionCount;
      this.connections.set(socket, id);
    }
    return id;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** The resourceVersion the cluster is at: opaque text for the client. */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Stores the object as the cluster now has it, with a new resourceVersion; tells no watch. */
  put(collection: string, object: RawObject): RawObject {
    this.revision += 1;
    const metadata = { ...(object.metadata as RawObject), resourceVersion: this.resourceVersion };
    const stored = { ...object, metadata };
    this.collection(collection).set(keyOf(stored), stored);
    return stored;
  }

  /** Removes the object from the cluster; tells no watch. */
  remove(collection: string, namespace: string | undefined, name: string): RawObject | undefined {
    const key = `${namespace ?? ""}/${name}`;
    const stored = this.collection(collection).get(key);
    this.collection(collection).delete(key);
    if (stored === undefined) return undefined;
    this.revision += 1;
    return {
      ...stored,
      metadata: { ...(stored.metadata as RawObject), resourceVersion: this.resourceVersion },
    };
  }

  /** Changes the cluster and tells every open watch of the collection. */
  change(collection: string, type: "ADDED" | "MODIFIED" | "DELETED", object: RawObject): void {
    const metadata = object.metadata as { namespace?: string; name: string };
    const sent =
      type === "DELETED"
        ? this.remove(collection, metadata.namespace, metadata.name)
        : this.put(collection, object);
    this.send(collection, `${JSON.stringify({ type, object: sent ?? object })}\n`);
  }

  bookmark(collection: string, resourceVersion: string): void {
    const object = { kind: "Bookmark", apiVersion: "v1", metadata: { resourceVersion } };
    this.send(collection, `${JSON.stringify({ type: "BOOKMARK", object })}\n`);
  }

  /** Writes raw bytes to every open watch of the collection. */
  send(collection: string, data: string | Buffer): void {
    for (const response of this.watches.get(collection) ?? []) response.write(data);
  }

  /** Ends every open watch of the collection cleanly, as the API server does after timeoutSeconds. */
  endWatches(collection: string): void {
    for (const response of this.watches.get(collection) ?? []) response.end();
  }

  /** Breaks every open watch of the collection, as a network fault would. */
  dropWatches(collection: string): void {
    for (const response of this.watches.get(collection) ?? []) response.socket?.destroy();
  }

  openWatches(collection?: string): number {
    if (collection !== undefined) return this.watches.get(collection)?.size ?? 0;
    let open = 0;
    for (const responses of this.watches.values()) open += responses.size;
    return open;
  }

  /** The keys the cluster holds, as the engine keys them for namespaced kinds ("ns/name"). */
  keys(collection: string): string[] {
    return [...this.collection(collection).keys()].sort();
  }

  requestsFor(collection: string, kind: "list" | "watch"): SeenRequest[] {
    return this.requests.filter(
      (request) =>
        request.path === collection && (request.query.get("watch") === "true") === (kind === "watch"),
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private collection(collection: string): Map<string, RawObject> {
    let objects = this.collections.get(collection);
    if (objects === undefined) {
      objects = new Map();
      this.collections.set(collection, objects);
    }
    return objects;
  }

  private answer(incoming: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(incoming.url ?? "/", "http://fake");
    const request: SeenRequest = {
      method: incoming.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: incoming.headers.authorization,
      at: Date.now(),
      connection: this.connectionOf(incoming.socket),
    };
    this.requests.push(request);
    for (const script of this.scripts) if (script(request, response)) return;
    if (request.authorization !== `Bearer ${this.token}`) {
      sendStatus(response, 401, "Unauthorized", "no token");
      return;
    }
    if (request.query.get("watch") === "true") this.openWatch(request, response);
    else this.sendList(request, response);
  }

  private sendList(request: SeenRequest, response: http.ServerResponse): void {
    const all = [...this.collection(request.path).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o);
    const limit = Number(request.query.get("limit") ?? all.length) || all.length;
    const offset = Number((request.query.get("continue") ?? "c0").slice(1));
    const items = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? `c${offset + limit}` : undefined;
    const metadata = {
      resourceVersion: this.resourceVersion,
      ...(next === undefined ? {} : { continue: next }),
    };
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata, items }));
  }

  private openWatch(request: SeenRequest, response: http.ServerResponse): void {
    response.writeHead(200, { "Content-Type": "application/json" });
    response.flushHeaders();
    const open = this.watches.get(request.path) ?? new Set();
    this.watches.set(request.path, open);
    open.add(response);
    response.on("close", () => open.delete(response));
  }
}

export function sendStatus(
  response: http.ServerResponse,
  code: number,
  reason: string,
  message: string,
): true {
  response.writeHead(code, { "Content-Type": "application/json" });
  response.end(
    JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }),
  );
  return true;
}

function keyOf(object: RawObject): string {
  const metadata = object.metadata as { namespace?: string; name: string };
  return `${metadata.namespace ?? ""}/${metadata.name}`;
}

/** A kubeconfig in a fresh temporary folder, pointing at the fake with a bearer token. */
export function writeKubeconfig(server: string, user: string = `    token: ${TOKEN}`): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "trustmap-kube-"));
  const file = path.join(folder, "config");
  fs.writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake",
      "  cluster:",
      `    server: ${server}`,
      "    insecure-skip-tls-verify: true",
      "users:",
      "- name: tester",
      "  user:",
      user,
      "contexts:",
      "- name: fake-context",
      "  context:",
      "    cluster: fake",
      "    user: tester",
      "current-context: fake-context",
      "",
    ].join("\n"),
  );
  return file;
}
