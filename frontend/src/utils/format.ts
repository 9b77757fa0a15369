/** Human-readable sizes, rates, durations and dates (the user's locale). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 2 : value < 100 ? 1 : 0 })} ${UNITS[unit]}`;
}

export const formatRate = (bps: number | null | undefined): string =>
  bps === null || bps === undefined || !Number.isFinite(bps) ? '—' : `${formatBytes(Math.round(bps))}/s`;

// The syntax the server reads as a rate (odh_tec.sizes.parse_rate): SI units are powers of 1000,
// IEC (Ki, Mi…) powers of 1024, `B` and `/s` optional, case ignored; empty is unlimited.
const RATE = /^\s*(?:(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]i?b?|b)?\s*(?:\/\s*s)?)?\s*$/i;
const RATE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/** Bytes/s from a human rate (`50MiB`, `1G`, `200MB/s`); 0 for empty (unlimited), null when it is not one. */
export function parseRate(text: string): number | null {
  const match = RATE.exec(text);
  if (!match) return null;
  if (match[1] === undefined) return 0;
  const unit = (match[2] ?? '').toLowerCase().replace(/b$/, '');
  const base = unit.endsWith('i') ? 1024 ** ('kmgt'.indexOf(unit[0]) + 1) : RATE_UNITS[unit];
  return Math.floor(Number(match[1]) * base);
}

/** A rate in bytes/s as a setting reads best: `200MiB`, `50MB`, plain bytes when neither fits; 0 (unlimited) is empty. */
export function rateSetting(bps: number): string {
  if (!bps) return '';
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['TB', 1000 ** 4],
    ['GiB', 1024 ** 3],
    ['GB', 1000 ** 3],
    ['MiB', 1024 ** 2],
    ['MB', 1000 ** 2],
    ['KiB', 1024],
    ['kB', 1000],
  ] as const)
    if (bps % size === 0) return `${bps / size}${unit}`;
  return String(bps);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const percent = (done: number, total: number): number =>
  total > 0 ? Math.min(100, Math.round((done / total) * 1000) / 10) : 0;

/** The last segment of a key or folder prefix. */
export const baseName = (path: string): string => {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
};
