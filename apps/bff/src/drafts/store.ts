import { randomBytes } from "node:crypto";
import {
  DRAFT_KEPT_DAYS,
  type Draft,
  type DraftDeletion,
  type DraftInput,
  type DraftsAnswer,
} from "@trustmap/shared";
import type { Database } from "../history/database";

// Drafts kept in the change log's database: each for DRAFT_KEPT_DAYS after its last change, under
// an id that is its link (128 random bits: a link is not guessed). Expired drafts are deleted
// before every read, so an expired link answers as an unknown one.

const DAY_MS = 86_400_000;

interface Row {
  id: string;
  name: string;
  manifests: string;
  deletions: unknown;
  author: string;
  created_at: unknown;
  updated_at: unknown;
  expires_at: unknown;
}

const iso = (value: unknown) => new Date(value as string).toISOString();

function draftOf(row: Row): Draft {
  const deletions = (
    typeof row.deletions === "string" ? JSON.parse(row.deletions) : row.deletions
  ) as DraftDeletion[];
  return {
    id: row.id,
    name: row.name,
    manifests: row.manifests,
    deletions,
    author: row.author,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    expiresAt: iso(row.expires_at),
  };
}

export class DraftStore {
  constructor(
    private readonly db: Pick<Database, "query">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async sweep(): Promise<void> {
    await this.db.query("delete from drafts where expires_at <= $1", [this.now().toISOString()]);
  }

  async create(input: DraftInput, author: string): Promise<Draft> {
    await this.sweep();
    const at = this.now();
    const id = randomBytes(16).toString("base64url");
    const { rows } = await this.db.query<Row>(
      `insert into drafts (id, name, manifests, deletions, author, created_at, updated_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $6, $7) returning *`,
      [
        id,
        input.name,
        input.manifests,
        JSON.stringify(input.deletions),
        author,
        at.toISOString(),
        new Date(at.getTime() + DRAFT_KEPT_DAYS * DAY_MS).toISOString(),
      ],
    );
    return draftOf(rows[0]!);
  }

  async get(id: string): Promise<Draft | undefined> {
    await this.sweep();
    const { rows } = await this.db.query<Row>("select * from drafts where id = $1", [id]);
    return rows[0] === undefined ? undefined : draftOf(rows[0]);
  }

  /** Replaces a draft's content; its time to live starts again. */
  async update(id: string, input: DraftInput): Promise<Draft | undefined> {
    await this.sweep();
    const at = this.now();
    const { rows } = await this.db.query<Row>(
      `update drafts set name = $2, manifests = $3, deletions = $4, updated_at = $5, expires_at = $6
       where id = $1 returning *`,
      [
        id,
        input.name,
        input.manifests,
        JSON.stringify(input.deletions),
        at.toISOString(),
        new Date(at.getTime() + DRAFT_KEPT_DAYS * DAY_MS).toISOString(),
      ],
    );
    return rows[0] === undefined ? undefined : draftOf(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const { rows } = await this.db.query<{ id: string }>("delete from drafts where id = $1 returning id", [
      id,
    ]);
    return rows.length > 0;
  }

  /** The drafts kept, newest change first (at most `limit`). */
  async list(limit = 200): Promise<DraftsAnswer["drafts"]> {
    await this.sweep();
    const { rows } = await this.db.query<Row>(
      "select id, name, author, updated_at, expires_at from drafts order by updated_at desc limit $1",
      [limit],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      author: row.author,
      updatedAt: iso(row.updated_at),
      expiresAt: iso(row.expires_at),
    }));
  }
}
