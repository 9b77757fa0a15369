/** A stacked horizontal bar per GPU (or group of identical GPUs), drawn with plain divs, and its legend. */
import { useRef } from 'react';
import { Tooltip } from '@patternfly/react-core';
import { gib, vramStrings as s } from '../../i18n/vram';
import {
  describeGroup,
  groupLabel,
  percentOf,
  presentTerms,
  swatchClass,
  termLabel,
  type GpuGroup,
} from './breakdown';

function Segment({
  term,
  value,
  scale,
  usable,
}: {
  term: string;
  value: number;
  scale: number;
  usable: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <>
      <div
        ref={ref}
        className={`odh-vram-seg ${swatchClass(term)}`}
        style={{ width: `${(value / scale) * 100}%` }}
        data-term={term}
        data-gib={value.toFixed(3)}
      />
      <Tooltip
        triggerRef={ref}
        content={s.result.segment(termLabel(term), gib(value), percentOf(value, usable))}
      />
    </>
  );
}

export function MemoryChart({ groups, usable }: { groups: GpuGroup[]; usable: number }) {
  // The track is the GPU's usable memory, or longer when a GPU needs more (a dashed line marks the capacity).
  const scale = Math.max(usable, ...groups.map((g) => g.device));
  const terms = presentTerms(groups);
  const top = groups.reduce((a, b) => (b.device > a.device ? b : a), groups[0]);
  return (
    <div data-testid="vram-chart">
      {groups.map((g) => {
        const count = g.last - g.first + 1;
        return (
          <div key={g.first} className="odh-vram-bar-row" data-testid="vram-bar-row">
            <div className="odh-vram-bar-head">
              <span className="odh-vram-bar-name">
                {groupLabel(g)}
                {count > 1 && <span className="odh-vram-bar-used"> {s.result.gpuTimes(count)}</span>}
              </span>
              <span className="odh-vram-bar-used" data-testid="vram-bar-used">
                {s.result.used(gib(g.device), gib(usable), percentOf(g.device, usable))}
              </span>
            </div>
            <div
              className="odh-vram-bar"
              role="img"
              aria-label={describeGroup(g, usable)}
              data-testid="vram-bar"
              data-device={g.device}
            >
              {presentTerms([g]).map((term) => (
                <Segment key={term} term={term} value={g.terms[term]} scale={scale} usable={usable} />
              ))}
              {scale > usable && (
                <div className="odh-vram-capacity" style={{ left: `${(usable / scale) * 100}%` }} />
              )}
            </div>
          </div>
        );
      })}
      <ul className="odh-vram-legend" aria-label={s.result.legend}>
        {terms.map((term) => (
          <li key={term}>
            <span className={`odh-vram-key ${swatchClass(term)}`} aria-hidden="true" />
            <span>{termLabel(term)}</span>
            <span className="odh-vram-legend-value">{gib(top.terms[term] ?? 0)}</span>
          </li>
        ))}
        {top.device < usable && (
          <li>
            <span className="odh-vram-key is-free" aria-hidden="true" />
            <span>{s.result.free}</span>
            <span className="odh-vram-legend-value">{gib(usable - top.device)}</span>
          </li>
        )}
      </ul>
    </div>
  );
}
