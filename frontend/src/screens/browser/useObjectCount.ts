/** How many objects live under some folders: what a delete confirmation says will go. Listed one level at a
 * time through the objects API, up to a bound (then "more than N"). */
import { useEffect, useState } from 'react';
import { api } from '../../api/client';

const PAGE_SIZE = 1000;
const MAX_REQUESTS = 20;

export interface ObjectCount {
  /** null while counting, or when the folders could not be listed. */
  count: number | null;
  /** The bound was reached: there are more than `count`. */
  more: boolean;
  /** The folders could not be listed. */
  failed?: boolean;
}

export function useObjectCount(locationId: string, prefixes: string[]): ObjectCount {
  const [result, setResult] = useState<ObjectCount>({ count: null, more: false });
  const key = JSON.stringify(prefixes); // '' (a whole bucket or folder root) counts too
  useEffect(() => {
    const folders = JSON.parse(key) as string[];
    if (!folders.length) return;
    const controller = new AbortController();
    setResult({ count: null, more: false });
    (async () => {
      let count = 0;
      let requests = 0;
      const queue = [...folders];
      while (queue.length) {
        const prefix = queue.shift() as string;
        let token: string | null = null;
        do {
          if (requests++ >= MAX_REQUESTS) return { count, more: true };
          const page = await api.list(
            locationId,
            { prefix, page_token: token, page_size: PAGE_SIZE },
            controller.signal,
          );
          count += page.files.length;
          queue.push(...page.folders.map((f) => f.prefix));
          token = page.next_page_token;
        } while (token);
      }
      return { count, more: false };
    })().then(
      (found) => setResult(found),
      (err) => {
        if ((err as Error).name !== 'AbortError') setResult({ count: null, more: false, failed: true });
      },
    );
    return () => controller.abort();
  }, [locationId, key]);
  return result;
}
