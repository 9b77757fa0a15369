/** The busy flag and inline error of a modal's action: run() clears the error, awaits, and shows what failed. */
import { useState } from 'react';
import { messageOf } from './toasts';

export function useBusyAction(describe: (err: unknown) => string = messageOf) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
