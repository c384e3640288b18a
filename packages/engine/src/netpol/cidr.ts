// CIDR parsing for ipBlock peers, with no platform networking library so that the engine runs
// the same in Node and in the browser.

export interface Cidr {
  readonly version: 4 | 6;
  /** The network address as a number of `version === 4 ? 32 : 128` bits. */
  readonly address: bigint;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const v4 = parseIPv4(addressText);
  if (v4 !== undefined) return prefix <= 32 ? { version: 4, address: v4, prefix } : undefined;
  const v6 = parseIPv6(addressText);
  if (v6 !== undefined) return prefix <= 128 ? { version: 6, address: v6, prefix } : undefined;
  return undefined;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] | undefined => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const words: number[] = [];
  const pushGroups = (list: string[], isLast: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const group = list[i] ?? "";
      if (isLast && i === list.length - 1 && group.includes(".")) {
        const v4 = parseIPv4(group);
        if (v4 === undefined) return false;
        words.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
      words.push(Number.parseInt(group, 16));
    }
    return true;
  };
  const headWords: number[] = [];
  if (!pushGroups(head, halves.length === 1)) return undefined;
  headWords.push(...words.splice(0));
  if (!pushGroups(tail, true)) return undefined;
  const tailWords = words.splice(0);
  const missing = 8 - headWords.length - tailWords.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...headWords, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tailWords];
  let value = 0n;
  for (const word of all) value = (value << 16n) | BigInt(word);
  return value;
}

function bits(version: 4 | 6): bigint {
  return version === 4 ? 32n : 128n;
}

/** The network part of the address (host bits cleared). */
export function networkOf(cidr: Cidr): bigint {
  const width = bits(cidr.version);
  const hostBits = width - BigInt(cidr.prefix);
  return (cidr.address >> hostBits) << hostBits;
}

/** Whether every address of `inner` lies inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  const hostBits = bits(outer.version) - BigInt(outer.prefix);
  return networkOf(outer) >> hostBits === inner.address >> hostBits;
}

export function isEverywhere(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}
