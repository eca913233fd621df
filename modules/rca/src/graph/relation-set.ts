import type { RelationType } from "../model.ts";

/** A relation as stored (`rca_relations`), times ISO 8601. */
export interface RelationRow {
  readonly type: RelationType;
  readonly from: string;
  readonly to: string;
  /** The object (or feed, or `<service>#selector`) that asserted it. */
  readonly source: string;
  readonly weight: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly deletedAt: string | null;
}

/** A relation's primary key as one string. */
export const relationKey = (r: Pick<RelationRow, "type" | "from" | "to" | "source">) =>
  `${r.from}\u0000${r.type}\u0000${r.to}\u0000${r.source}`;

/** Relations by key, found by an end or by source, remembering which ones were set. */
export class RelationSet {
  readonly #rows = new Map<string, RelationRow>();
  readonly #byEnd = new Map<string, Set<string>>();
  readonly #bySource = new Map<string, Set<string>>();
  readonly #changed = new Set<string>();

  /** Adds a row as the store holds it (not a change). */
  load(row: RelationRow): void {
    const key = relationKey(row);
    if (!this.#rows.has(key)) this.#index(key, row);
    this.#rows.set(key, row);
  }

  get(key: string): RelationRow | undefined {
    return this.#rows.get(key);
  }

  /** Sets a row, to be written. */
  set(key: string, row: RelationRow): void {
    if (!this.#rows.has(key)) this.#index(key, row);
    this.#rows.set(key, row);
    this.#changed.add(key);
  }

  /** The rows from or to `end` (when given) and those asserted by `sources`, each once. */
  touching(end: string | undefined, sources: readonly string[]): [string, RelationRow][] {
    const keys = new Set<string>(end === undefined ? [] : this.#byEnd.get(end));
    for (const s of sources) for (const k of this.#bySource.get(s) ?? []) keys.add(k);
    return [...keys].map((k) => [k, this.#rows.get(k) as RelationRow]);
  }

  /** The rows set since loading, as they are now. */
  changed(): RelationRow[] {
    return [...this.#changed].map((k) => this.#rows.get(k) as RelationRow);
  }

  #index(key: string, row: RelationRow): void {
    for (const [map, by] of [
      [this.#byEnd, row.from],
      [this.#byEnd, row.to],
      [this.#bySource, row.source],
    ] as const) {
      const keys = map.get(by) ?? new Set<string>();
      keys.add(key);
      map.set(by, keys);
    }
  }
}
