import type { Ports } from "@trustmap/shared";

/** "TCP 80, UDP 53" or "all ports": how an edge is labelled. */
export function portsText(ports: Ports | null): string {
  if (ports === null) return "nothing";
  if (ports === "all") return "all ports";
  return ports
    .map((p) =>
      p.port === undefined ? `${p.protocol} *` : `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ""}`,
    )
    .join(", ");
}
