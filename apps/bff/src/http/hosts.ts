import { networkInterfaces } from "node:os";

// A page on any web site can resolve its own name to 127.0.0.1 (DNS rebinding) and then read this
// server as its own origin: listening on loopback protects nothing by itself. Every request must
// name, in its Host header, a host this server was meant to be reached by; the browser cannot lie
// about it, since it writes the name of the page's origin.

/** A host the server answers to: `port` undefined means any port (a name given without one). */
export interface AllowedHost {
  readonly name: string;
  readonly port?: number;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_ADDRESSES = ["0.0.0.0", "::", "[::]"];
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const HOST = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

/** An address as a Host header writes it: IPv6 in brackets, names in lower case. */
export function hostName(address: string): string {
  const lower = address.toLowerCase();
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}

/** "name", "name:port", "[v6]" or "[v6]:port"; undefined when the text is none of them. */
export function parseHost(text: string): AllowedHost | undefined {
  const lower = text.trim().toLowerCase();
  // A bare IPv6 address (more than one colon, no brackets) has no port.
  const match = HOST.exec((lower.match(/:/g)?.length ?? 0) > 1 ? hostName(lower) : lower);
  if (match === null) return undefined;
  const name = match[1]!;
  if (!name.startsWith("[") && !DNS_NAME.test(name)) return undefined;
  if (match[2] === undefined) return { name };
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { name, port } : undefined;
}

/**
 * The names `--allow-host NAME[:PORT]` (repeatable) and TRUSTMAP_ALLOWED_HOSTS (comma-separated)
 * add; throws naming the flag or variable and the value that is not a host name.
 */
export function allowedHostsOption(
  flags: readonly string[] = [],
  env: string | undefined = undefined,
): string[] {
  const given = [
    ...flags.map((value) => ({ value, where: "--allow-host" })),
    ...(env ?? "")
      .split(",")
      .map((value) => value.trim())
      .filter((value) => value !== "")
      .map((value) => ({ value, where: "TRUSTMAP_ALLOWED_HOSTS" })),
  ];
  for (const { value, where } of given) {
    if (parseHost(value) === undefined)
      throw new Error(
        `${where}: ${JSON.stringify(value)} is not a host name (expected NAME or NAME:PORT, e.g. trustmap.example.com or trustmap.example.com:8443)`,
      );
  }
  return given.map(({ value }) => value);
}

export interface Listening {
  /** The address given to listen on (--host) and the one it bound; none on a Unix socket. */
  readonly addresses?: readonly string[];
  /** The port listened on; undefined on a Unix socket, where there is no port of ours to compare. */
  readonly port?: number;
}

/** The machine's own addresses, the names it is reached by when listening on every address. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((entry) => (entry === undefined ? [] : [hostName(entry.address)]));
}

/** Which Host headers this server answers, and what it tells those it refuses. */
export class HostPolicy {
  readonly allowed: readonly AllowedHost[];

  /** `configured`: names from --allow-host / TRUSTMAP_ALLOWED_HOSTS (parsed again; a bad one throws). */
  constructor(listening: Listening, configured: readonly string[] = []) {
    const own = (listening.addresses ?? []).flatMap((address) =>
      WILDCARD_ADDRESSES.includes(address) ? interfaceAddresses() : [hostName(address)],
    );
    const local = [...new Set([...LOOPBACK_NAMES, ...own])].map((name) => ({
      name,
      ...(listening.port === undefined ? {} : { port: listening.port }),
    }));
    const extra = allowedHostsOption(configured).map((value) => parseHost(value)!);
    this.allowed = [...local, ...extra];
  }

  /** Whether a Host header names an allowed host: case aside, and on the allowed port when it says one. */
  allows(header: string | undefined): boolean {
    if (header === undefined) return false;
    const host = parseHost(header);
    if (host === undefined) return false;
    return this.allowed.some(
      (allowed) =>
        allowed.name === host.name &&
        (allowed.port === undefined || host.port === undefined || allowed.port === host.port),
    );
  }

  /** What a refused request is told: the host it named, the hosts allowed and how to add one. */
  refusal(header: string | undefined): string {
    const named = header === undefined ? "no Host header" : `Host ${JSON.stringify(header)}`;
    const allowed = this.allowed
      .map((host) => (host.port === undefined ? `${host.name} (any port)` : `${host.name}:${host.port}`))
      .join(", ");
    return `${named} is not a name this Trustmap answers to (a guard against DNS rebinding). Allowed: ${allowed}. To open it under another name, start it with --allow-host NAME[:PORT] (repeatable) or TRUSTMAP_ALLOWED_HOSTS=NAME,NAME.`;
  }
}
