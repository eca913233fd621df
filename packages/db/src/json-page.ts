/**
 * A page of items already serialised as JSON (the API JSON rows keep, migration 0007), for list
 * routes that pass pages through as text.
 */
export interface JsonPage<Position> {
  /** The page's items as JSON objects joined by commas ("" for none). */
  items: string;
  /** The keyset position of the page's last item when more items follow, else null. */
  next: Position | null;
}
