import { useCallback, useState } from "react";

/**
 * Runs one write at a time and keeps the API's refusal (its error message) to show beside the
 * form that asked; `busy` is true while it runs. `run` resolves to false when the write failed.
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
  return { error, busy, run, clear: useCallback(() => setError(null), []) };
}
