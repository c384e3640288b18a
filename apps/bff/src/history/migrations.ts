import type { Database } from "./database";

// The change log's schema, one migration per entry, applied in order and recorded in
// trustmap_migrations. Never edit a migration that shipped: add the next one.

export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      -- One row per engine step that changed a fact, with what caused it.
      create table steps (
        id bigserial primary key,
        at timestamptz not null,
        -- The BFF process that recorded it (its start), and the engine's revision in it.
        run text not null,
        revision integer not null,
        -- True for the difference found at a start: what changed while Trustmap was not watching.
        unwatched boolean not null default false,
        causes jsonb not null,
        cause_count integer not null
      );
      create index steps_at on steps (at);

      -- One row per fact that appeared, went or changed in a step: narrow, so that a span of time
      -- is read quickly; the facts themselves are in change_facts.
      create table changes (
        id bigserial primary key,
        step bigint not null references steps (id) on delete cascade,
        -- The step's time, kept beside each change: a span of time is read without the steps.
        at timestamptz not null,
        area text not null,
        kind text not null,
        key text not null,
        -- The worse of the fact's severities before and after (findings and rights), and its rank (0 critical).
        severity text,
        severity_rank smallint,
        -- The fact's severity before and after, and a hash of each (what two moments are compared by).
        before_severity text,
        after_severity text,
        before_hash text,
        after_hash text,
        namespaces text[] not null
      );
      create index changes_step on changes (step);
      create index changes_at on changes (at);
      create index changes_key on changes (key, id);
      create index changes_namespaces on changes using gin (namespaces);

      -- The fact as it was and as it is, for each change.
      create table change_facts (
        change bigint primary key references changes (id) on delete cascade,
        before jsonb,
        after jsonb
      );

      -- The facts as of the last step recorded: what a start compares its first list with.
      create table facts (
        key text primary key,
        area text not null,
        fact jsonb not null
      );

      -- Settings of the log itself (which cluster the facts are of).
      create table log_meta (
        name text primary key,
        value text not null
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Each evidence report made, by scope: "changes since the last report of the same scope".
      create table reports (
        id bigserial primary key,
        at timestamptz not null,
        scope text not null,
        format text not null
      );
      create index reports_scope_at on reports (scope, at);
    `,
  },
  {
    version: 3,
    sql: `
      -- Each notification sent to a webhook: what, where (the URL without its secrets), and how it went.
      create table deliveries (
        id bigserial primary key,
        created_at timestamptz not null,
        target text not null,
        reasons text[] not null,
        body jsonb not null,
        -- pending, delivered or failed (after the last attempt).
        state text not null,
        attempts integer not null default 0,
        last_status integer,
        last_error text,
        delivered_at timestamptz
      );
      create index deliveries_created on deliveries (created_at);
    `,
  },
  {
    version: 4,
    sql: `
      -- What-if drafts: manifests and deletions over the live cluster, never sent to it. The id is
      -- the draft's link; a draft is deleted once expires_at is past (each change moves it on).
      create table drafts (
        id text primary key,
        name text not null,
        manifests text not null,
        deletions jsonb not null,
        author text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        expires_at timestamptz not null
      );
      create index drafts_expires on drafts (expires_at);
    `,
  },
];

/** Brings the schema up to the last migration; each migration and its record in one transaction. */
export async function migrate(db: Database): Promise<number> {
  await db.query(`create table if not exists trustmap_migrations (
    version integer primary key,
    applied_at timestamptz not null default now()
  )`);
  const applied = new Set(
    (await db.query<{ version: number }>("select version from trustmap_migrations")).rows.map((r) =>
      Number(r.version),
    ),
  );
  let count = 0;
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query("insert into trustmap_migrations (version) values ($1)", [migration.version]);
    });
    count++;
  }
  const newest = Math.max(...MIGRATIONS.map((m) => m.version));
  const known = Math.max(0, ...applied);
  if (known > newest)
    throw new Error(
      `the change log's schema is at version ${known}, newer than this Trustmap knows (${newest}): run a newer Trustmap, or point it at another database`,
    );
  return count;
}
