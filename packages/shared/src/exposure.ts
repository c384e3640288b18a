import { z } from "zod";

// What the cluster publishes outside itself: each way in (a load balancer's port, every node's
// port, an external IP, an Ingress's host and path, a Gateway listener's route), the workload it
// reaches on which port, and whether policy lets that traffic reach the pods.

/** How traffic from outside enters. */
export const EntryKind = z.enum(["LoadBalancer", "NodePort", "ExternalIP", "Ingress", "Gateway"]);
export type EntryKind = z.infer<typeof EntryKind>;

/**
 * What policy makes of the traffic at the pods: `open`, every address outside the cluster may
 * connect on the port (and, through a controller, the controller may too); `restricted`, some
 * addresses (or the controller) may; `denied`, none may; `none`, the way in reaches no pod.
 */
export const PathReach = z.enum(["open", "restricted", "denied", "none"]);
export type PathReach = z.infer<typeof PathReach>;

export const ControllerReach = z
  .object({
    /** The controller's workload ("ingress-nginx/ingress-nginx-controller"). */
    workload: z.string(),
    /** Whether it may connect to the pods on the port. */
    allowed: z.boolean(),
  })
  .strict();
export type ControllerReach = z.infer<typeof ControllerReach>;

export const ExposurePath = z
  .object({
    /** The object that publishes: "Service/shop/web", "Ingress/shop/web", "HTTPRoute/shop/web". */
    via: z.string(),
    entry: z.object({ kind: EntryKind, text: z.string() }).strict(),
    /** The Service the traffic goes through ("Service/shop/web"); null when it does not exist. */
    service: z.string().nullable(),
    /** The Service's port ("TCP 80"); null when no port of it matches. */
    servicePort: z.string().nullable(),
    /** The namespace of the pods reached. */
    namespace: z.string(),
    /** The workload reached (as the graph names it); null when the way in reaches no pod. */
    workload: z.string().nullable(),
    pods: z.number().int().nonnegative(),
    /** The pods' port ("TCP 8080"). */
    port: z.string().nullable(),
    /** Where the traffic comes from at the pods: outside the cluster, or an ingress or Gateway controller's pods. */
    from: z.enum(["outside", "controller"]),
    controllers: z.array(ControllerReach),
    reach: PathReach,
    /** The addresses outside the cluster policy admits on the port ("0.0.0.0/0", "10.0.0.0/8 except 10.1.0.0/16"). */
    addresses: z.array(z.string()),
    /** Why, in one sentence. */
    why: z.string(),
  })
  .strict();
export type ExposurePath = z.infer<typeof ExposurePath>;

/**
 * The paths placed on a view's nodes: from "outside" (or a controller's node) to the node that draws
 * the pods reached, with the objects that publish them. `reach` is the most open of its paths'.
 */
export const ExposureEdge = z
  .object({
    /** "<source>-><target>", as the view's edge between the same nodes. */
    id: z.string(),
    source: z.string(),
    target: z.string(),
    reach: PathReach,
    /** The objects that publish the paths, each once, in the paths' order ("Service/shop/web"). */
    via: z.array(z.string()),
    /** The ways in, each once ("load balancer TCP 80", "https://shop.example.com/"). */
    entries: z.array(z.string()),
  })
  .strict();
export type ExposureEdge = z.infer<typeof ExposureEdge>;

export const ExposureAnswer = z
  .object({
    revision: z.number().int().nonnegative(),
    /** Sorted by namespace, workload, via and entry. */
    paths: z.array(ExposurePath),
    /** With `view`: the paths placed on its nodes (none for a workload's view of its pods). */
    edges: z.array(ExposureEdge).optional(),
  })
  .strict();
export type ExposureAnswer = z.infer<typeof ExposureAnswer>;

/** GET /api/exposure: every path, or those reaching one namespace's pods (or published from it). */
export const ExposureQuery = z
  .object({
    namespace: z.string().min(1).max(253).optional(),
    /** A view's key: the paths are placed on its nodes too. */
    view: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type ExposureQuery = z.infer<typeof ExposureQuery>;
