/** The answer: verdict, key figures, the per-GPU bars, the same numbers as a table, and what each term is. */
import { useState } from 'react';
import {
  Alert,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  ExpandableSection,
  Title,
} from '@patternfly/react-core';
import { CheckCircleIcon, ExclamationCircleIcon } from '@patternfly/react-icons';
import { Caption, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { VramRequest, VramResult } from '../../api/vram';
import { count, gib, tokens, vramStrings as s } from '../../i18n/vram';
import { groupLabel, presentTerms, swatchClass, termLabel, type GpuGroup } from './breakdown';
import { MemoryChart } from './MemoryChart';

/** Whole requests of the full context length that the KV cache holds at once (not "7.1 sequences"). */
const concurrentRequests = (kvTokens: number, context: number) =>
  context > 0 ? Math.floor(kvTokens / context).toLocaleString() : '0';

function layoutText(r: VramResult): string {
  const layout = r.layout;
  const gpus = layout.gpus ?? r.gpus_used;
  if (r.task === 'finetune')
    return gpus === 1 ? s.result.layoutSingle : s.result.layoutSharded(gpus, layout.sharding ?? 'none');
  if (r.engine === 'vllm')
    return s.result.layoutTp(
      layout.tensor_parallel ?? 1,
      layout.pipeline_parallel ?? 1,
      layout.data_parallel ?? 1,
    );
  const base =
    layout.strategy === 'device_map' || gpus > 1 ? s.result.layoutDeviceMap(gpus) : s.result.layoutSingle;
  return r.engine === 'llamacpp' && layout.gpu_layers !== undefined
    ? `${base} · ${s.result.layoutLlamacpp(layout.gpu_layers)}`
    : base;
}

function subVerdicts(r: VramResult, request: VramRequest): string[] {
  const context = request.workload.context_length;
  const lines: string[] = [];
  if (r.task === 'inference' && r.engine === 'vllm') {
    if (r.starts === false) lines.push(s.result.vllmNoStart(tokens(context)));
    else if (r.kv_cache_tokens !== undefined)
      lines.push(
        s.result.vllmKv(
          tokens(r.kv_cache_tokens),
          concurrentRequests(r.kv_cache_tokens, context),
          tokens(context),
        ),
      );
  }
  if (r.task === 'inference' && r.engine === 'llamacpp' && r.kv_cache_tokens !== undefined)
    lines.push(s.result.llamacppCtx(tokens(r.kv_cache_tokens)));
  if (r.task === 'finetune' && r.trainable_parameters !== undefined)
    lines.push(s.result.trainable(count(r.trainable_parameters)));
  return lines;
}

/** When the weights alone are more than a GPU offers (vLLM: its share of it), that is the reason to give. */
function weightsTooBig(r: VramResult): boolean {
  const weights = r.breakdown.weights ?? 0;
  return r.task === 'inference' && weights > (r.engine === 'vllm' ? r.per_gpu_gib : r.usable_gib);
}

export function Verdict({ result, request }: { result: VramResult; request: VramRequest }) {
  const text = result.fits
    ? s.result.fits(result.gpus_used, result.gpu, gib(result.spare_gib))
    : weightsTooBig(result)
      ? s.result.noFitWeights(
          result.gpus_used,
          result.gpu,
          gib(result.breakdown.weights ?? 0),
          gib(result.usable_gib),
        )
      : s.result.noFit(result.gpus_used, result.gpu, gib(result.per_gpu_device_gib), gib(result.usable_gib));
  const Icon = result.fits ? CheckCircleIcon : ExclamationCircleIcon;
  return (
    <div aria-live="polite" aria-atomic="true">
      <p
        className={`odh-vram-verdict ${result.fits ? 'is-fit' : 'is-nofit'}`}
        data-testid="vram-verdict"
        data-fits={result.fits}
      >
        <Icon className="odh-vram-verdict-icon" aria-hidden="true" />
        <span>{text}</span>
      </p>
      {subVerdicts(result, request).map((line) => (
        <p key={line} className="odh-vram-subverdict" data-testid="vram-subverdict">
          {line}
        </p>
      ))}
    </div>
  );
}

export function KeyFigures({ result, searched }: { result: VramResult; searched: boolean }) {
  const vllm = result.task === 'inference' && result.engine === 'vllm';
  const items: Array<[string, string, string?]> = [
    [s.result.layout, layoutText(result), searched ? s.result.searched : undefined],
    [s.result.binding, result.binding_constraint],
    [vllm ? s.result.peakVllm : s.result.peak, gib(result.per_gpu_gib), vllm ? undefined : s.result.peakHelp],
  ];
  if (!vllm) items.push([s.result.reserved, gib(result.per_gpu_reserved_gib), s.result.reservedHelp]);
  items.push([s.result.device, gib(result.per_gpu_device_gib), s.result.deviceHelp]);
  if (result.task === 'finetune' && result.framework)
    items.push([
      s.result.stack,
      s.options.framework[result.framework] ?? result.framework,
      s.workload.frameworkHelp[result.framework],
    ]);
  if (result.gpus_used > 1) items.push([s.result.total, gib(result.total_gib)]);
  items.push([s.result.precision, `${result.weights} · ${result.compute_dtype}`]);
  return (
    <DescriptionList isCompact columnModifier={{ default: '1Col', md: '2Col' }} data-testid="vram-figures">
      {items.map(([term, value, help]) => (
        <DescriptionListGroup key={term}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription>
            {value}
            {help && <div className="odh-vram-help">{help}</div>}
          </DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

export function Warnings({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <Alert
      isInline
      variant="warning"
      title={warnings.length === 1 ? warnings[0] : s.result.warnings}
      data-testid="vram-warnings"
    >
      {warnings.length > 1 && (
        <ul>
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

export function Chart({ groups, usable }: { groups: GpuGroup[]; usable: number }) {
  return (
    <>
      <Title headingLevel="h3" size="md" className="odh-vram-chart-title">
        {s.result.chartTitle}
      </Title>
      <MemoryChart groups={groups} usable={usable} />
    </>
  );
}

export function BreakdownTable({ groups, usable }: { groups: GpuGroup[]; usable: number }) {
  const terms = presentTerms(groups);
  return (
    <div className="odh-vram-table-wrap">
      <Table variant="compact" aria-label={s.result.tableTitle} data-testid="vram-table">
        <Caption>{s.result.tableCaption}</Caption>
        <Thead>
          <Tr>
            <Th>{s.result.term}</Th>
            {groups.map((g) => (
              <Th key={g.first} className="odh-vram-num">
                {groupLabel(g)}
              </Th>
            ))}
          </Tr>
        </Thead>
        <Tbody>
          {terms.map((term) => (
            <Tr key={term} data-term={term}>
              <Th scope="row" className="odh-vram-normal">
                <span className="odh-vram-term">
                  <span className={`odh-vram-key ${swatchClass(term)}`} aria-hidden="true" />
                  {termLabel(term)}
                </span>
              </Th>
              {groups.map((g) => (
                <Td key={g.first} className="odh-vram-num" dataLabel={groupLabel(g)}>
                  {g.terms[term] ? gib(g.terms[term]) : '—'}
                </Td>
              ))}
            </Tr>
          ))}
          <Tr data-term="device">
            <Th scope="row">{s.result.deviceTotal}</Th>
            {groups.map((g) => (
              <Td key={g.first} className="odh-vram-num odh-vram-bold" dataLabel={groupLabel(g)}>
                {gib(g.device)}
              </Td>
            ))}
          </Tr>
          <Tr data-term="usable">
            <Th scope="row" className="odh-vram-normal">
              {s.result.usable}
            </Th>
            {groups.map((g) => (
              <Td key={g.first} className="odh-vram-num" dataLabel={groupLabel(g)}>
                {gib(usable)}
              </Td>
            ))}
          </Tr>
        </Tbody>
      </Table>
    </div>
  );
}

export function Explanations({ result, groups }: { result: VramResult; groups: GpuGroup[] }) {
  const [showAssumptions, setShowAssumptions] = useState(false);
  const top = groups.reduce((a, b) => (b.device > a.device ? b : a), groups[0]);
  const terms = presentTerms(groups);
  return (
    <>
      <DescriptionList isCompact data-testid="vram-explanations">
        {terms.map((term) => (
          <DescriptionListGroup key={term}>
            <DescriptionListTerm>
              <span className="odh-vram-term">
                <span className={`odh-vram-key ${swatchClass(term)}`} aria-hidden="true" />
                {termLabel(term)} · {gib(top.terms[term] ?? 0)}
              </span>
            </DescriptionListTerm>
            <DescriptionListDescription>
              {result.explanations[term] || s.termHelp[term] || '—'}
            </DescriptionListDescription>
          </DescriptionListGroup>
        ))}
      </DescriptionList>
      {result.assumptions.length > 0 && (
        <ExpandableSection
          className="odh-vram-gap-top"
          toggleText={s.result.assumptions}
          isExpanded={showAssumptions}
          onToggle={(_e, open) => setShowAssumptions(open)}
        >
          <Content component="ul">
            {result.assumptions.map((a) => (
              <Content component="li" key={a}>
                {a}
              </Content>
            ))}
          </Content>
        </ExpandableSection>
      )}
    </>
  );
}
