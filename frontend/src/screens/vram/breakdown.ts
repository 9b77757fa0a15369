/** Per-GPU breakdowns of a result, grouped when GPUs hold the same thing (TP shards, replicas). */
import type { VramResult } from '../../api/vram';
import { gib, vramStrings as s } from '../../i18n/vram';

/** Drawing order: what the model needs first, runtime overheads last. */
export const TERM_ORDER = [
  'weights',
  'kv_cache',
  'activations',
  'logits',
  'gradients',
  'optimizer',
  'other',
  'cuda_graphs',
  'cuda_context',
  'allocator_reserve',
];
const KNOWN = new Set(TERM_ORDER);

export const termLabel = (term: string): string => s.terms[term] ?? term.replace(/_/g, ' ');
/** The CSS class that gives a term its colour (unknown terms share "other"'s). */
export const swatchClass = (term: string): string => `odh-vram-swatch-${KNOWN.has(term) ? term : 'other'}`;

export interface GpuGroup {
  first: number;
  last: number;
  /** GiB per term; `allocator_reserve` is what the device figure adds to the listed terms. */
  terms: Record<string, number>;
  device: number;
}

const EPS = 0.0005;

export function gpuGroups(result: VramResult): GpuGroup[] {
  const groups: GpuGroup[] = [];
  let previousKey = '';
  for (const gpu of result.per_gpu) {
    const terms: Record<string, number> = {};
    let listed = 0;
    for (const [name, value] of Object.entries(gpu.breakdown)) {
      if (value > EPS) terms[name] = value;
      listed += value;
    }
    const reserve = gpu.device_gib - listed;
    if (reserve > EPS) terms.allocator_reserve = reserve;
    const key = JSON.stringify(Object.entries(terms).map(([k, v]) => [k, v.toFixed(3)]));
    const last = groups[groups.length - 1];
    if (last && key === previousKey && last.last === gpu.gpu - 1) {
      last.last = gpu.gpu;
    } else {
      groups.push({ first: gpu.gpu, last: gpu.gpu, terms, device: gpu.device_gib });
    }
    previousKey = key;
  }
  return groups;
}

/** Terms with memory on some GPU, in drawing order (unknown names after the known ones). */
export function presentTerms(groups: GpuGroup[]): string[] {
  const seen = new Set<string>();
  for (const g of groups)
    for (const [name, value] of Object.entries(g.terms)) if (value > EPS) seen.add(name);
  const known = TERM_ORDER.filter((t) => seen.has(t));
  const other = [...seen].filter((t) => !KNOWN.has(t));
  return [...known, ...other];
}

export const percentOf = (value: number, total: number): string =>
  `${(total > 0 ? (value / total) * 100 : 0).toLocaleString(undefined, { maximumFractionDigits: value / total < 0.1 ? 1 : 0 })} %`;

export const groupLabel = (g: GpuGroup): string => s.result.gpuLabel(g.first, g.last);

/** One sentence describing a bar for screen readers. */
export function describeGroup(g: GpuGroup, usable: number): string {
  const parts = presentTerms([g])
    .map((t) => `${termLabel(t)} ${gib(g.terms[t])}`)
    .join(', ');
  return s.result.chartLabel(groupLabel(g), parts, g.device.toFixed(1), usable.toString());
}
