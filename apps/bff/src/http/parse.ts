import type { Request } from "express";
import type { z } from "zod";
import { HttpError } from "./errors";

/** A request's query read against its schema: a 400 naming the first parameter that is wrong. */
export function parseQuery<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  const result = schema.safeParse(request.query);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `query parameter "${issue.path.join(".")}"` : "query";
  const message =
    issue.code === "unrecognized_keys"
      ? `unknown query parameter ${issue.keys.map((k) => `"${k}"`).join(", ")}`
      : `${where}: ${issue.message}`;
  throw new HttpError(400, message);
}
