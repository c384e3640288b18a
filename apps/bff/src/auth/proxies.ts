import { BlockList, isIP } from "node:net";

/**
 * The addresses an authenticating proxy connects from (`--auth-proxy ADDR[/BITS]`): only a request
 * from one of them may name its user in a header; anyone else could write the same header.
 */
export class ProxyAddresses {
  private readonly list = new BlockList();
  readonly given: readonly string[];

  /** Throws naming the value that is neither an address nor a CIDR range. */
  constructor(values: readonly string[], where: string) {
    this.given = values;
    for (const value of values) {
      const [address = "", bits, extra] = value.trim().split("/");
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        extra !== undefined ||
        (prefix !== undefined && (!/^\d+$/.test(bits ?? "") || prefix > max))
      )
        throw new Error(
          `${where}: ${JSON.stringify(value)} is not an address or a CIDR range (e.g. 10.0.3.7 or 10.0.0.0/16)`,
        );
      const type = family === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
  }

  /** Whether a connection's remote address is one of the proxy's (IPv4 seen through IPv6 too). */
  includes(remote: string | undefined): boolean {
    if (remote === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
    const address = mapped?.[1] ?? remote;
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? "ipv6" : "ipv4");
  }
}
