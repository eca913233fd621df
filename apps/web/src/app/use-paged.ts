import { useCallback, useEffect, useState } from "react";
import { getJson } from "./api.ts";

/**
 * A list the API pages by cursor (`{data, nextCursor}`): the first page of `path` when the
 * component mounts (again when `path` changes), and `more()` appending the next. `reload()` reads
 * the first page again (after a change the list shows).
 */
export function usePaged<T>(path: string): {
  rows: T[] | null;
  error: string | null;
  hasMore: boolean;
  more: () => Promise<void>;
  reload: () => void;
} {
  const [rows, setRows] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: generation asks for a reload
  useEffect(() => {
    const abort = new AbortController();
    getJson<{ data: T[]; nextCursor: string | null }>(path, abort.signal)
      .then((page) => {
        setRows(page.data);
        setNext(page.nextCursor);
        setError(null);
      })
      .catch((e: Error) => {
        if (!abort.signal.aborted) setError(e.message);
      });
    return () => abort.abort();
  }, [path, generation]);
  const more = useCallback(async () => {
    if (!next) return;
    try {
      const sep = path.includes("?") ? "&" : "?";
      const page = await getJson<{ data: T[]; nextCursor: string | null }>(
        `${path}${sep}cursor=${encodeURIComponent(next)}`,
      );
      setRows((r) => [...(r ?? []), ...page.data]);
      setNext(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [path, next]);
  return {
    rows,
    error,
    hasMore: next !== null,
    more,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
  };
}
