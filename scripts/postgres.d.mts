export function postgresBin(): string | undefined;
export function ensurePostgres(): string;
export function startPostgres(): Promise<{
  url: string;
  port: number;
  pause(): void;
  restart(): void;
  stop(): void;
}>;
