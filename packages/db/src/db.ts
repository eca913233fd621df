/** Something that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with `$1`-style parameters.
   * @returns the rows; int8 arrives as a number, timestamptz as a Date, jsonb parsed.
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** The one storage interface: PostgreSQL dialect, embedded (PGlite) or server (PostgreSQL). */
export interface Db extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Human description for start-up logs, without credentials. */
  readonly description: string;
  /** Connection pool occupancy, or null for the embedded database (one connection in process). */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
