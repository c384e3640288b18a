import { createHash } from "node:crypto";
import {
  type ChangeCause,
  type ChangeEntry,
  type ChangesAnswer,
  type ChangesQuery,
  type CompareAnswer,
  type CompareEntry,
  type CompareQuery,
  changeKindOf,
  factSeverity,
  type PostureChange,
  type PostureFact,
  type Severity,
  worseSeverity,
} from "@trustmap/shared";
import type { Database } from "./database";
import { migrate } from "./migrations";

// The change log: every step of the engine that changed a fact of the posture, with its cause,
// kept in a database (embedded or PostgreSQL). The facts as of the last step are kept beside it,
// so a start compares its first list with them and records the difference once, as what changed
// while Trustmap was not watching. The feed and the difference between two moments are read here.

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Rows per statement when the facts are written whole (a first start on a large cluster). */
const CHUNK = 5000;

export interface RetentionOptions {
  /** Steps older than this are dropped (ms); 90 days by default. */
  readonly maxAgeMs?: number;
  /** At most this many changes are kept, the oldest steps dropped first; 5,000,000 by default. */
  readonly maxChanges?: number;
}

/** A step of the engine as the worker reports it. */
export interface StepRecord {
  readonly revision: number;
  readonly causes: readonly ChangeCause[];
  readonly causeCount: number;
  readonly changes: readonly PostureChange[];
}

interface ChangeRow {
  id: unknown;
  step: unknown;
  at: unknown;
  revision: unknown;
  area: string;
  kind: string;
  key: string;
  severity: string | null;
  namespaces: string[];
  before: PostureFact | null;
  after: PostureFact | null;
  causes: ChangeCause[];
  cause_count: unknown;
  unwatched: boolean;
}

function iso(value: unknown): string {
  return new Date(value as string | number | Date).toISOString();
}

/**
 * JSON for a jsonb parameter: PostgreSQL text holds no NUL character, so one in a name (only a
 * source that does not validate names could bring it) is kept as the visible text "\\u0000".
 */
function json(value: unknown): string {
  return JSON.stringify(value).replaceAll("\\u0000", "\\\\u0000");
}

/** A key as stored (see json). */
function safeKey(key: string): string {
  return key.includes("\u0000") ? key.replaceAll("\u0000", "\\u0000") : key;
}

/** JSON with every object's keys sorted: a fact reads the same whatever order a database gives its keys back in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Changes of one step with each key once: its first before and its last after. */
function merged(changes: readonly PostureChange[]): PostureChange[] {
  const byKey = new Map<string, PostureChange>();
  let repeated = false;
  for (const change of changes) {
    const earlier = byKey.get(change.key);
    if (earlier === undefined) {
      byKey.set(change.key, change);
      continue;
    }
    repeated = true;
    byKey.set(change.key, {
      key: change.key,
      ...(earlier.before === undefined ? {} : { before: earlier.before }),
      ...(change.after === undefined ? {} : { after: change.after }),
    });
  }
  if (!repeated) return [...changes];
  return [...byKey.values()].filter(
    (change) =>
      (change.before === undefined) !== (change.after === undefined) ||
      (change.before !== undefined && canonical(change.before) !== canonical(change.after)),
  );
}

function hashOf(fact: PostureFact): string {
  return createHash("sha1").update(canonical(fact)).digest("base64");
}

function namespacesOf(change: PostureChange): string[] {
  return [...new Set([...(change.before?.namespaces ?? []), ...(change.after?.namespaces ?? [])])].sort();
}

function entryOf(row: ChangeRow): ChangeEntry {
  return {
    id: Number(row.id),
    step: Number(row.step),
    at: iso(row.at),
    revision: Number(row.revision),
    area: row.area as ChangeEntry["area"],
    kind: row.kind as ChangeEntry["kind"],
    key: row.key,
    ...(row.severity === null ? {} : { severity: row.severity as Severity }),
    namespaces: row.namespaces,
    ...(row.before === null ? {} : { before: row.before }),
    ...(row.after === null ? {} : { after: row.after }),
    causes: row.causes,
    causeCount: Number(row.cause_count),
    unwatched: row.unwatched,
  };
}

export class ChangeLog {
  private constructor(
    readonly db: Database,
    /** The cluster the log is of, as it names it. */
    readonly cluster: string,
    private readonly run: string,
    private readonly retention: Required<RetentionOptions>,
  ) {}

  /**
   * Opens the log in a database for one cluster (`cluster` names it: a log of another cluster is
   * refused, with both names), bringing its schema up to date.
   */
  static async open(db: Database, cluster: string, retention: RetentionOptions = {}): Promise<ChangeLog> {
    await migrate(db);
    const stored = (await db.query<{ value: string }>("select value from log_meta where name = 'cluster'"))
      .rows[0]?.value;
    if (stored === undefined)
      await db.query("insert into log_meta (name, value) values ('cluster', $1)", [cluster]);
    else if (stored !== cluster)
      throw new Error(
        `the change log in ${db.description} is of ${stored}, not of ${cluster}: give each cluster a log of its own (--changes)`,
      );
    return new ChangeLog(db, cluster, new Date().toISOString(), {
      maxAgeMs: retention.maxAgeMs ?? 90 * 24 * 3600 * 1000,
      maxChanges: retention.maxChanges ?? 5_000_000,
    });
  }

  /**
   * The facts of the first list after a start. The first time, they are stored as they are and
   * nothing is recorded; afterwards the difference from the facts stored is recorded as one step,
   * marked unwatched. Returns that step's entries (none when nothing changed).
   */
  async baseline(
    facts: ReadonlyMap<string, PostureFact>,
    revision: number,
    at = new Date(),
  ): Promise<ChangeEntry[]> {
    return this.db.transaction(async (tx) => {
      const first =
        (await tx.query<{ value: string }>("select value from log_meta where name = 'baseline'")).rows
          .length === 0;
      if (first) {
        const rows = [...facts].map(([key, fact]) => ({ key: safeKey(key), area: fact.area, fact }));
        for (let i = 0; i < rows.length; i += CHUNK)
          await tx.query(
            `insert into facts (key, area, fact)
             select key, area, fact from jsonb_to_recordset($1::jsonb) as x(key text, area text, fact jsonb)`,
            [json(rows.slice(i, i + CHUNK))],
          );
        await tx.query("insert into log_meta (name, value) values ('baseline', $1)", [at.toISOString()]);
        return [];
      }
      // Compared by hash first: only the facts that differ are read whole.
      const stored = new Map<string, string>();
      const { rows } = await tx.query<{ key: string; fact: PostureFact }>("select key, fact from facts");
      for (const row of rows) stored.set(row.key, hashOf(row.fact));
      const changes: PostureChange[] = [];
      const differs: string[] = [];
      const now = new Map([...facts].map(([key, fact]) => [safeKey(key), fact]));
      for (const [key, fact] of now) {
        const was = stored.get(key);
        if (was === undefined) changes.push({ key, after: fact });
        else if (was !== hashOf(fact)) differs.push(key);
      }
      for (const key of stored.keys()) if (!now.has(key)) differs.push(key);
      if (differs.length > 0) {
        const before = new Map(
          (
            await tx.query<{ key: string; fact: PostureFact }>(
              "select key, fact from facts where key = any($1::text[])",
              [differs],
            )
          ).rows.map((row) => [row.key, row.fact]),
        );
        for (const key of differs) {
          const was = before.get(key);
          const is = now.get(key);
          changes.push({
            key,
            ...(was === undefined ? {} : { before: was }),
            ...(is === undefined ? {} : { after: is }),
          });
        }
      }
      if (changes.length === 0) return [];
      changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return this.write(tx, { revision, causes: [], causeCount: 0, changes }, at, true);
    });
  }

  /**
   * Records one step of the engine; returns its entries as the feed shows them. A fact changed
   * twice in the step (steps of several events) is one change, from its first before to its last
   * after, and none when those are the same.
   */
  async record(step: StepRecord, at = new Date()): Promise<ChangeEntry[]> {
    const changes = merged(step.changes);
    if (changes.length === 0) return [];
    return this.db.transaction((tx) => this.write(tx, { ...step, changes }, at, false));
  }

  private async write(
    tx: Pick<Database, "query">,
    step: StepRecord,
    at: Date,
    unwatched: boolean,
  ): Promise<ChangeEntry[]> {
    const inserted = await tx.query<{ id: unknown }>(
      `insert into steps (at, run, revision, unwatched, causes, cause_count)
       values ($1, $2, $3, $4, $5::jsonb, $6) returning id`,
      [at.toISOString(), this.run, step.revision, unwatched, json(step.causes), step.causeCount],
    );
    const stepId = Number(inserted.rows[0]!.id);
    const rows = step.changes.map((change) => {
      const severity = worseSeverity(factSeverity(change.before), factSeverity(change.after));
      return {
        area: (change.after ?? change.before)!.area,
        kind: changeKindOf(change),
        key: safeKey(change.key),
        severity: severity ?? null,
        severity_rank: severity === undefined ? null : RANK[severity],
        namespaces: namespacesOf(change),
        before: change.before ?? null,
        after: change.after ?? null,
      };
    });
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const result = await tx.query<{ id: unknown }>(
        `insert into changes (step, at, area, kind, key, severity, severity_rank, namespaces, before, after)
         select $1, $3, area, kind, key, severity, severity_rank, namespaces, before, after
         from jsonb_to_recordset($2::jsonb) as x(n integer, area text, kind text, key text, severity text,
           severity_rank smallint, namespaces text[], before jsonb, after jsonb)
         order by n returning id`,
        [stepId, json(chunk.map((row, n) => ({ n, ...row }))), at.toISOString()],
      );
      ids.push(...result.rows.map((row) => Number(row.id)).sort((a, b) => a - b));
      const gone = chunk.filter((row) => row.after === null).map((row) => row.key);
      if (gone.length > 0) await tx.query("delete from facts where key = any($1::text[])", [gone]);
      const kept = chunk
        .filter((row) => row.after !== null)
        .map((row) => ({ key: row.key, area: row.area, fact: row.after }));
      if (kept.length > 0)
        await tx.query(
          `insert into facts (key, area, fact)
           select key, area, fact from jsonb_to_recordset($1::jsonb) as x(key text, area text, fact jsonb)
           on conflict (key) do update set area = excluded.area, fact = excluded.fact`,
          [json(kept)],
        );
    }
    return rows.map((row, i) => ({
      id: ids[i]!,
      step: stepId,
      at: at.toISOString(),
      revision: step.revision,
      area: row.area,
      kind: row.kind,
      key: row.key,
      ...(row.severity === null ? {} : { severity: row.severity }),
      namespaces: row.namespaces,
      ...(row.before === null ? {} : { before: row.before }),
      ...(row.after === null ? {} : { after: row.after }),
      causes: [...step.causes],
      causeCount: step.causeCount,
      unwatched,
    }));
  }

  /** The facts the log holds now (as of its last step). */
  async facts(): Promise<Map<string, PostureFact>> {
    const { rows } = await this.db.query<{ key: string; fact: PostureFact }>("select key, fact from facts");
    return new Map(rows.map((row) => [row.key, row.fact]));
  }

  /**
   * The facts as they were at a moment: the facts stored now, with every change recorded after
   * that moment undone, newest first. Undefined when the log does not reach back that far (it
   * began later, or retention dropped changes after it).
   */
  async factsAt(at: Date): Promise<Map<string, PostureFact> | undefined> {
    if (!(await this.reaches(at))) return undefined;
    return this.db.transaction(async (tx) => {
      const facts = new Map(
        (await tx.query<{ key: string; fact: PostureFact }>("select key, fact from facts")).rows.map(
          (row) => [row.key, row.fact],
        ),
      );
      const { rows } = await tx.query<{ key: string; before: PostureFact | null }>(
        "select key, before from changes where at > $1 order by id desc",
        [at.toISOString()],
      );
      for (const row of rows) {
        if (row.before === null) facts.delete(row.key);
        else facts.set(row.key, row.before);
      }
      return facts;
    });
  }

  /** Whether every change after `at` is still in the log (it began at or before it, and none after it was dropped). */
  private async reaches(at: Date): Promise<boolean> {
    const meta = new Map(
      (await this.db.query<{ name: string; value: string }>("select name, value from log_meta")).rows.map(
        (row) => [row.name, row.value],
      ),
    );
    const baseline = meta.get("baseline");
    const pruned = meta.get("pruned_until");
    return (
      baseline !== undefined && new Date(baseline) <= at && (pruned === undefined || new Date(pruned) <= at)
    );
  }

  /** The feed: entries newest first, filtered, a page at a time. */
  async feed(query: ChangesQuery): Promise<ChangesAnswer> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.before !== undefined) where.push(`c.id < ${param(query.before)}`);
    if (query.namespace !== undefined) where.push(`c.namespaces @> array[${param(query.namespace)}]::text[]`);
    if (query.area !== undefined) where.push(`c.area = ${param(query.area)}`);
    if (query.kind !== undefined) where.push(`c.kind = ${param(query.kind)}`);
    if (query.severity !== undefined) where.push(`c.severity_rank <= ${param(RANK[query.severity])}`);
    const limit = param(query.limit + 1);
    const { rows } = await this.db.query<ChangeRow>(
      `select c.id, c.step, s.at, s.revision, c.area, c.kind, c.key, c.severity, c.namespaces, c.before, c.after,
              s.causes, s.cause_count, s.unwatched
       from changes c join steps s on s.id = c.step
       ${where.length === 0 ? "" : `where ${where.join(" and ")}`}
       order by c.id desc limit ${limit}`,
      params,
    );
    const entries = rows.slice(0, query.limit).map(entryOf);
    const oldest = (await this.db.query<{ at: unknown }>("select min(at) as at from steps")).rows[0]?.at;
    return {
      entries,
      ...(rows.length > query.limit ? { next: entries[entries.length - 1]!.id } : {}),
      ...(oldest === null || oldest === undefined ? {} : { since: iso(oldest) }),
    };
  }

  /**
   * What differs between two moments: each fact that changed in between, as it was at `since` and
   * as it is at `until` (now by default); a fact that changed and changed back is not listed.
   */
  async compare(query: CompareQuery, now = new Date()): Promise<CompareAnswer> {
    const since = new Date(query.since);
    const until = query.until === undefined ? now : new Date(query.until);
    if (until < since)
      throw new RangeError(`until (${until.toISOString()}) is before since (${since.toISOString()})`);
    const filters: string[] = [];
    const params: unknown[] = [since.toISOString(), until.toISOString()];
    if (query.namespace !== undefined) {
      params.push(query.namespace);
      filters.push(`c.namespaces @> array[$${params.length}]::text[]`);
    }
    if (query.area !== undefined) {
      params.push(query.area);
      filters.push(`c.area = $${params.length}`);
    }
    const { rows } = await this.db.query<{
      key: string;
      area: string;
      before: PostureFact | null;
      after: PostureFact | null;
      at: unknown;
      causes: ChangeCause[];
      unwatched: boolean;
    }>(
      // Each fact's first and last change in the span, found by one hashed pass over the span's
      // changes (no sort), then read by id.
      `with span as (
         select c.key, min(c.id) as first_id, max(c.id) as last_id
         from changes c
         where c.at > $1 and c.at <= $2 ${filters.map((f) => `and ${f}`).join(" ")}
         group by c.key
       )
       select l.key, l.area, f.before, l.after, s.at, s.causes, s.unwatched
       from span
       join changes f on f.id = span.first_id
       join changes l on l.id = span.last_id
       join steps s on s.id = l.step
       where f.before is distinct from l.after`,
      params,
    );
    const complete = await this.reaches(since);
    const entries: CompareEntry[] = rows.map((row) => {
      const before = row.before ?? undefined;
      const after = row.after ?? undefined;
      const severity = worseSeverity(factSeverity(before), factSeverity(after));
      return {
        area: row.area as CompareEntry["area"],
        kind: changeKindOf({ before, after }),
        key: row.key,
        ...(severity === undefined ? {} : { severity }),
        namespaces: namespacesOf({ key: row.key, before, after }),
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
        causes: row.causes,
        unwatched: row.unwatched,
        at: iso(row.at),
      };
    });
    const counts: Record<string, number> = {};
    for (const entry of entries)
      counts[`${entry.area}.${entry.kind}`] = (counts[`${entry.area}.${entry.kind}`] ?? 0) + 1;
    const rank = (entry: CompareEntry) => (entry.severity === undefined ? 5 : RANK[entry.severity]);
    const AREA_ORDER = { finding: 0, rbac: 1, reach: 2 };
    entries.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        AREA_ORDER[a.area] - AREA_ORDER[b.area] ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      complete,
      counts,
      total: entries.length,
      entries: entries.slice(0, query.limit),
    };
  }

  /** Notes that a report of a scope ("cluster", "namespace NAME") was made. */
  async reportMade(scope: string, format: string, at = new Date()): Promise<void> {
    await this.db.query("insert into reports (at, scope, format) values ($1, $2, $3)", [
      at.toISOString(),
      scope,
      format,
    ]);
  }

  /** When the last report of a scope was made before a moment, if one was. */
  async lastReport(scope: string, before = new Date()): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ at: unknown }>(
      "select max(at) as at from reports where scope = $1 and at < $2",
      [scope, before.toISOString()],
    );
    const at = rows[0]?.at;
    return at === null || at === undefined ? undefined : new Date(at as string);
  }

  /** When the log began (its first start's picture), if it has. */
  async beginning(): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ value: string }>(
      "select value from log_meta where name = 'baseline'",
    );
    return rows[0] === undefined ? undefined : new Date(rows[0].value);
  }

  /** Drops the steps past the retention's age or size; returns how many changes went. */
  async prune(now = new Date()): Promise<number> {
    return this.db.transaction(async (tx) => {
      let dropped = 0;
      let until: Date | undefined;
      const cutoff = new Date(now.getTime() - this.retention.maxAgeMs);
      const old = await tx.query<{ n: unknown; at: unknown }>(
        `with gone as (delete from steps where at < $1 returning id, at)
         select (select count(*) from changes where step in (select id from gone)) as n, (select max(at) from gone) as at`,
        [cutoff.toISOString()],
      );
      dropped += Number(old.rows[0]?.n ?? 0);
      if (old.rows[0]?.at !== null && old.rows[0]?.at !== undefined)
        until = new Date(old.rows[0].at as string);
      const total = Number((await tx.query<{ n: unknown }>("select count(*) as n from changes")).rows[0]!.n);
      if (total > this.retention.maxChanges) {
        // Whole steps go, oldest first, until no more than maxChanges are left.
        const excess = total - this.retention.maxChanges;
        const last = await tx.query<{ step: unknown; running: unknown }>(
          `select step, running from (
             select step, sum(count(*)) over (order by step) as running from changes group by step
           ) as r where running >= $1 order by step limit 1`,
          [excess],
        );
        const row = last.rows[0];
        if (row !== undefined) {
          const gone = await tx.query<{ at: unknown }>(
            "with gone as (delete from steps where id <= $1 returning at) select max(at) as at from gone",
            [Number(row.step)],
          );
          dropped += Number(row.running);
          const at = gone.rows[0]?.at;
          if (at !== null && at !== undefined && (until === undefined || new Date(at as string) > until))
            until = new Date(at as string);
        }
      }
      if (until !== undefined)
        await tx.query(
          `insert into log_meta (name, value) values ('pruned_until', $1)
           on conflict (name) do update set value = greatest(log_meta.value, excluded.value)`,
          [until.toISOString()],
        );
      return dropped;
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
