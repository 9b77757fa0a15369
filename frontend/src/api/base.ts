/** Where the app lives: `${NB_PREFIX}` (no trailing slash), read from <base href> that the server rewrites. */
export const basePath: string = new URL(document.baseURI).pathname.replace(/\/+$/, '');

/** An absolute path under the app, e.g. apiUrl('/api/buckets') -> '/notebook/ns/wb/api/buckets'. */
export const appUrl = (path: string): string => `${basePath}${path.startsWith('/') ? path : `/${path}`}`;

type QueryValue = string | number | boolean | null | undefined | Array<string>;

/** Build an API URL; keys and prefixes always travel as encoded query parameters. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  if (query) {
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) value.forEach((v) => params.append(name, v));
      else params.append(name, String(value));
    }
  }
  const qs = params.toString();
  return appUrl(`/api${path}`) + (qs ? `?${qs}` : '');
}

/** Encode one path segment (location ids contain ':'). */
export const seg = (value: string): string => encodeURIComponent(value);
