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
  SEVERITY_ORDER,
  type Severity,
  type StoredReport,
  worseSeverity,
} from "@trustmap/shared";
import type { Database } from "./database";
import { migrate } from "./migrations";

// The change log: every step of the engine that changed a fact of the posture, with its cause,
// kept in a database (embedded or PostgreSQL). The facts as of the last step are kept beside it,
// so a start compares its first list with them and records the difference once, as what changed
// while Trustmap was not watching. The feed and the difference between two moments are read here.

/** A severity's rank, 0 the worst (SEVERITY_ORDER's). */
const rankOf = (severity: Severity): number => SEVERITY_ORDER.indexOf(severity);

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
        severity_rank: severity === undefined ? null : rankOf(severity),
        before_severity: factSeverity(change.before) ?? null,
        after_severity: factSeverity(change.after) ?? null,
        before_hash: change.before === undefined ? null : hashOf(change.before),
        after_hash: change.after === undefined ? null : hashOf(change.after),
        namespaces: namespacesOf(change),
        before: change.before ?? null,
        after: change.after ?? null,
      };
    });
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const result = await tx.query<{ id: unknown }>(
        `insert into changes (step, at, area, kind, key, severity, severity_rank, before_severity, after_severity,
           before_hash, after_hash, namespaces)
         select $1, $3, area, kind, key, severity, severity_rank, before_severity, after_severity, before_hash,
           after_hash, namespaces
         from jsonb_to_recordset($2::jsonb) as x(n integer, area text, kind text, key text, severity text,
           severity_rank smallint, before_severity text, after_severity text, before_hash text, after_hash text,
           namespaces text[])
         order by n returning id`,
        [
          stepId,
          json(chunk.map(({ before: _b, after: _a, ...row }, n) => ({ n, ...row }))),
          at.toISOString(),
        ],
      );
      const chunkIds = result.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
      ids.push(...chunkIds);
      await tx.query(
        `insert into change_facts (change, before, after)
         select change, before, after from jsonb_to_recordset($1::jsonb) as x(change bigint, before jsonb, after jsonb)`,
        [json(chunk.map((row, n) => ({ change: chunkIds[n], before: row.before, after: row.after })))],
      );
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
        "select c.key, f.before from changes c join change_facts f on f.change = c.id where c.at > $1 order by c.id desc",
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
    if (query.severity !== undefined) where.push(`c.severity_rank <= ${param(rankOf(query.severity))}`);
    const limit = param(query.limit + 1);
    const { rows } = await this.db.query<ChangeRow>(
      `select c.id, c.step, s.at, s.revision, c.area, c.kind, c.key, c.severity, c.namespaces, f.before, f.after,
              s.causes, s.cause_count, s.unwatched
       from changes c join steps s on s.id = c.step join change_facts f on f.change = c.id
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
  /** `subjects`: the RBAC rights of these subjects only (refs, "ServiceAccount/shop/web"). */
  async compare(
    query: CompareQuery & { subjects?: readonly string[] },
    now = new Date(),
  ): Promise<CompareAnswer> {
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
    if (query.subjects !== undefined) {
      // A right's key is "rbac<US>subject<US>scope<US>resource".
      params.push([...query.subjects]);
      filters.push(`c.area = 'rbac' and split_part(c.key, chr(31), 2) = any($${params.length}::text[])`);
    }
    // Each fact's first and last change in the span, found by one hashed pass over the span's
    // changes (no sort), compared by the hashes of the facts, counted and ranked in the database:
    // only the entries shown come out, with their facts. The first and last changes are looked up
    // within the span too: a log of 90 days is not read whole to compare two moments a day apart.
    const RANK_SQL = (column: string) =>
      `case ${column} ${SEVERITY_ORDER.map((severity, rank) => `when '${severity}' then ${rank}`).join(" ")} else ${SEVERITY_ORDER.length} end`;
    const { counted, top } = await this.db.transaction(async (tx) => {
      await tx.exec("set local work_mem = '64MB'");
      await tx.query(
        `create temp table compared on commit drop as
         with span as (
           select c.key, min(c.id) as first_id, max(c.id) as last_id
           from changes c
           where c.at > $1 and c.at <= $2 ${filters.map((f) => `and ${f}`).join(" ")}
           group by c.key
         )
         select l.key, l.area,
                case when f.before_hash is null then 'appeared' when l.after_hash is null then 'went' else 'changed' end as kind,
                f.before_severity, l.after_severity,
                least(${RANK_SQL("f.before_severity")}, ${RANK_SQL("l.after_severity")}) as rank,
                f.id as first_id, l.id as last_id, l.step
         from span
         join changes f on f.id = span.first_id and f.at > $1 and f.at <= $2
         join changes l on l.id = span.last_id and l.at > $1 and l.at <= $2
         where f.before_hash is distinct from l.after_hash`,
        params,
      );
      const counted = (
        await tx.query<{ area: string; kind: string; n: unknown }>(
          "select area, kind, count(*) as n from compared group by area, kind",
        )
      ).rows;
      const top = (
        await tx.query<{
          key: string;
          area: string;
          kind: string;
          before_severity: string | null;
          after_severity: string | null;
          first_id: unknown;
          last_id: unknown;
          step: unknown;
        }>(
          `select key, area, kind, before_severity, after_severity, first_id, last_id, step from compared
           order by rank, case area when 'finding' then 0 when 'rbac' then 1 else 2 end, key collate "C"
           limit $1`,
          [query.limit],
        )
      ).rows;
      return { counted, top };
    });
    const complete = await this.reaches(since);
    const counts: Record<string, number> = {};
    let total = 0;
    for (const row of counted) {
      counts[`${row.area}.${row.kind}`] = Number(row.n);
      total += Number(row.n);
    }
    const ranked = top.map((row) => ({
      key: row.key,
      area: row.area as CompareEntry["area"],
      kind: row.kind as CompareEntry["kind"],
      severity: worseSeverity(
        (row.before_severity ?? undefined) as Severity | undefined,
        (row.after_severity ?? undefined) as Severity | undefined,
      ),
      firstId: Number(row.first_id),
      lastId: Number(row.last_id),
      step: Number(row.step),
    }));
    const shown = ranked;
    // The facts themselves, and their last change's step, for the entries shown only.
    const ids = [...new Set(shown.flatMap((entry) => [entry.firstId, entry.lastId]))];
    const facts = new Map(
      (
        await this.db.query<{ id: unknown; before: PostureFact | null; after: PostureFact | null }>(
          "select change as id, before, after from change_facts where change = any($1::bigint[])",
          [ids],
        )
      ).rows.map((row) => [Number(row.id), row]),
    );
    const steps = new Map(
      (
        await this.db.query<{ id: unknown; at: unknown; causes: ChangeCause[]; unwatched: boolean }>(
          "select id, at, causes, unwatched from steps where id = any($1::bigint[])",
          [[...new Set(shown.map((entry) => entry.step))]],
        )
      ).rows.map((row) => [Number(row.id), row]),
    );
    const entries: CompareEntry[] = shown.map((entry) => {
      const before = facts.get(entry.firstId)?.before ?? undefined;
      const after = facts.get(entry.lastId)?.after ?? undefined;
      const step = steps.get(entry.step)!;
      return {
        area: entry.area,
        kind: entry.kind,
        key: entry.key,
        ...(entry.severity === undefined ? {} : { severity: entry.severity }),
        namespaces: namespacesOf({ key: entry.key, before, after }),
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
        causes: step.causes,
        unwatched: step.unwatched,
        at: iso(step.at),
      };
    });
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      complete,
      counts,
      total,
      entries,
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

  /** The reports made, newest first (the moments a page may compare with). */
  async reports(limit = 100): Promise<StoredReport[]> {
    const { rows } = await this.db.query<{ at: unknown; scope: string; format: string }>(
      "select at, scope, format from reports order by at desc limit $1",
      [limit],
    );
    return rows.map((row) => ({ at: iso(row.at), scope: row.scope, format: row.format }));
  }

  /** When the log began (its first start's picture), if it has. */
  async beginning(): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ value: string }>(
      "select value from log_meta where name = 'baseline'",
    );
    return rows[0] === undefined ? undefined : new Date(rows[0].value);
  }

  /**
   * Brings the planner's statistics up to date: a span of a day is read by one hashed pass only
   * when the planner knows how many changes a day holds (the embedded database runs no autovacuum).
   */
  async analyze(): Promise<void> {
    await this.db.exec("analyze changes; analyze steps; analyze change_facts");
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
