import { useCallback, useState } from "react";

/**
 * Runs a change against the API and keeps its error (the ApiError's message) for the form that
 * asked, to show beside it. `run` resolves to whether the change succeeded.
 */
export function useAction(): {
  error: string | null;
  busy: boolean;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { error, busy, run, clear };
}
