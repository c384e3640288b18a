import type { ClusterInfo } from "@trustmap/shared";
import type { LiveCluster } from "../live/cluster";

/** Prometheus text exposition of what an operator watches: connection, sizes, throughput, streams. */
export function metricsText(live: LiveCluster, counts: ClusterInfo["counts"], streams: number): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number, labels = "") => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${value}`);
  };
  const counter = (name: string, help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  };
  gauge(
    "trustmap_source_connected",
    "1 when the cluster source is connected",
    live.connection.state === "connected" ? 1 : 0,
  );
  gauge("trustmap_revision", "Engine revision (one per batch of events applied)", live.revision);
  gauge("trustmap_pods", "Pods held", counts.pods);
  gauge("trustmap_identities", "Identities (pods NetworkPolicy cannot tell apart)", counts.identities);
  gauge("trustmap_network_policies", "NetworkPolicies held", counts.networkPolicies);
  gauge("trustmap_rbac_subjects", "RBAC subjects with a row", counts.subjects);
  gauge("trustmap_findings", "Findings", counts.findings);
  gauge("trustmap_views", "Views materialised for clients", live.viewCount);
  gauge("trustmap_streams", "Open SSE streams", streams);
  gauge(
    "trustmap_longest_step_seconds",
    "Longest engine step with its view updates",
    live.longestStepMs / 1000,
  );
  counter("trustmap_events_applied_total", "Watch events applied to the engine", live.eventsApplied);
  counter("trustmap_engine_steps_total", "Engine steps (batches of events)", live.steps);
  gauge(
    "trustmap_source_problems",
    "Objects of the source that could not be read (latest 100)",
    live.problemsSeen.length,
  );
  const memory = process.memoryUsage();
  gauge("process_resident_memory_bytes", "Resident memory", memory.rss);
  gauge("nodejs_heap_used_bytes", "V8 heap used", memory.heapUsed);
  return `${lines.join("\n")}\n`;
}
