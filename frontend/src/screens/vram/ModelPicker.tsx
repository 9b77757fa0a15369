/** Where the model comes from (a preset, the Hub, or typed-in geometry) and its architecture summary. */
import {
  Alert,
  Button,
  Checkbox,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  TextInput,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import type { HubModelSummary, ModelSummary } from '../../api/vram';
import { count, vramStrings as s } from '../../i18n/vram';
import { formatBytes } from '../../utils/format';
import { PRESETS } from './presets';
import { FieldHelper } from '../../app/FieldHelper';
import type { ManualArch, ManualProblems } from './state';

export type ModelSource = 'preset' | 'hub' | 'manual';

export interface HubState {
  repoId: string;
  revision: string;
  loading: boolean;
  error: string | null;
  model: HubModelSummary | null;
}

export const REPO_RE = /^[\w.-]+\/[\w.-]+$/;

interface Props {
  source: ModelSource;
  onSource: (source: ModelSource) => void;
  presetId: string;
  onPreset: (id: string) => void;
  hub: HubState;
  onHub: (patch: Partial<HubState>) => void;
  onFetch: () => void;
  manual: ManualArch;
  manualProblems: ManualProblems;
  onManual: (patch: Partial<ManualArch>) => void;
  onManualFromCurrent: (() => void) | null;
}

function ManualFields({
  manual,
  problems,
  onChange,
}: {
  manual: ManualArch;
  problems: ManualProblems;
  onChange: (p: Partial<ManualArch>) => void;
}) {
  const field = (key: keyof ManualArch, label: string, help?: string) => (
    <GridItem span={6} key={key}>
      <FormGroup label={label} fieldId={`vram-manual-${key}`}>
        <TextInput
          id={`vram-manual-${key}`}
          inputMode="numeric"
          value={String(manual[key])}
          onChange={(_e, v) => onChange({ [key]: v })}
          validated={problems[key] ? 'error' : 'default'}
        />
        <FieldHelper problem={problems[key]} help={help} />
      </FormGroup>
    </GridItem>
  );
  return (
    <Grid hasGutter>
      {field('hiddenSize', s.model.hiddenSize)}
      {field('layers', s.model.layers)}
      {field('heads', s.model.heads)}
      {field('kvHeads', s.model.kvHeads)}
      {field('headDim', s.model.headDim, s.model.headDimHelp)}
      {field('intermediate', s.model.intermediate)}
      {field('vocab', s.model.vocab)}
      {field('maxPosition', s.model.maxPosition)}
      {field('experts', s.model.experts, s.model.expertsHelp)}
      {Number(manual.experts) > 0 && field('expertsPerToken', s.model.expertsPerToken)}
      <GridItem span={6}>
        <FormGroup label={s.model.dtype} fieldId="vram-manual-dtype">
          <FormSelect
            id="vram-manual-dtype"
            value={manual.dtype}
            onChange={(_e, v) => onChange({ dtype: v as ManualArch['dtype'] })}
          >
            <FormSelectOption value="bfloat16" label="BF16" />
            <FormSelectOption value="float16" label="FP16" />
            <FormSelectOption value="float32" label="FP32" />
          </FormSelect>
        </FormGroup>
      </GridItem>
      <GridItem span={12}>
        <Checkbox
          id="vram-manual-tied"
          label={s.model.tied}
          isChecked={manual.tied}
          onChange={(_e, v) => onChange({ tied: v })}
        />
      </GridItem>
    </Grid>
  );
}

export function ModelPicker(props: Props) {
  const { source, hub } = props;
  const repoProblem = hub.repoId && !REPO_RE.test(hub.repoId.trim()) ? s.model.repoInvalid : undefined;
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
        if (source === 'hub' && !repoProblem && hub.repoId.trim()) props.onFetch();
      }}
      aria-label={s.model.title}
    >
      <FormGroup label={s.model.source} fieldId="vram-source" role="group">
        <ToggleGroup aria-label={s.model.source} id="vram-source">
          {(['preset', 'hub', 'manual'] as ModelSource[]).map((value) => (
            <ToggleGroupItem
              key={value}
              text={s.model[value]}
              buttonId={`vram-source-${value}`}
              isSelected={source === value}
              onChange={() => props.onSource(value)}
            />
          ))}
        </ToggleGroup>
      </FormGroup>

      {source === 'preset' && (
        <FormGroup label={s.model.presetLabel} fieldId="vram-preset">
          <FormSelect id="vram-preset" value={props.presetId} onChange={(_e, v) => props.onPreset(v)}>
            {PRESETS.map((p) => (
              <FormSelectOption key={p.id} value={p.id} label={p.label} />
            ))}
          </FormSelect>
          <FieldHelper help={PRESETS.find((p) => p.id === props.presetId)?.repoId} />
        </FormGroup>
      )}

      {source === 'hub' && (
        <>
          <Grid hasGutter>
            <GridItem span={8}>
              <FormGroup label={s.model.repoId} fieldId="vram-repo" isRequired>
                <TextInput
                  id="vram-repo"
                  value={hub.repoId}
                  placeholder={s.model.repoIdPlaceholder}
                  onChange={(_e, v) => props.onHub({ repoId: v })}
                  validated={repoProblem ? 'error' : 'default'}
                  autoComplete="off"
                  spellCheck={false}
                />
              </FormGroup>
            </GridItem>
            <GridItem span={4}>
              <FormGroup label={s.model.revision} fieldId="vram-revision">
                <TextInput
                  id="vram-revision"
                  value={hub.revision}
                  onChange={(_e, v) => props.onHub({ revision: v })}
                  autoComplete="off"
                  spellCheck={false}
                />
              </FormGroup>
            </GridItem>
          </Grid>
          <Flex
            alignItems={{ default: 'alignItemsCenter' }}
            spaceItems={{ default: 'spaceItemsMd' }}
            flexWrap={{ default: 'nowrap' }}
          >
            <FlexItem>
              <Button
                type="submit"
                variant="secondary"
                isLoading={hub.loading}
                isDisabled={hub.loading || !hub.repoId.trim() || !!repoProblem}
              >
                {s.model.fetch}
              </Button>
            </FlexItem>
            <FlexItem className="odh-vram-help">{repoProblem ?? s.model.fetchHelp}</FlexItem>
          </Flex>
          {hub.error && (
            <Alert isInline variant="danger" title={s.model.fetchFailed} data-testid="vram-fetch-error">
              {hub.error}
            </Alert>
          )}
        </>
      )}

      {source === 'manual' && (
        <>
          <Flex
            alignItems={{ default: 'alignItemsCenter' }}
            justifyContent={{ default: 'justifyContentSpaceBetween' }}
          >
            <FlexItem className="odh-vram-help">{s.model.manualHelp}</FlexItem>
            {props.onManualFromCurrent && (
              <FlexItem>
                <Button variant="link" isInline onClick={props.onManualFromCurrent}>
                  {s.model.copyFrom}
                </Button>
              </FlexItem>
            )}
          </Flex>
          <ManualFields manual={props.manual} problems={props.manualProblems} onChange={props.onManual} />
        </>
      )}
    </Form>
  );
}

/** What the estimator read from the config (and, for a Hub model, from the files). */
export function ArchitectureSummary({
  summary,
  hub,
}: {
  summary: ModelSummary;
  hub: HubModelSummary | null;
}) {
  const quant = summary.quantization;
  const rows: Array<[string, string]> = [
    [
      s.model.architecture,
      summary.architecture ? `${summary.architecture} (${summary.model_type})` : summary.model_type,
    ],
    [
      s.model.params,
      `${count(summary.parameters)}${summary.active_parameters < summary.parameters ? ` · ${s.model.activeParams(count(summary.active_parameters))}` : ''}`,
    ],
    [
      s.model.layersHeads,
      s.model.layersHeadsValue(
        summary.num_layers,
        summary.num_attention_heads,
        summary.num_key_value_heads,
        summary.attention,
      ),
    ],
    [
      s.model.geometry,
      s.model.geometryValue(summary.hidden_size, summary.intermediate_size, summary.head_dim),
    ],
  ];
  if (summary.num_experts > 0)
    rows.push([s.model.experts2, s.model.expertsValue(summary.num_experts, summary.experts_per_token)]);
  rows.push([
    s.model.context,
    s.model.contextValue(summary.max_position_embeddings) +
      (summary.sliding_window
        ? ` · ${s.model.slidingValue(summary.sliding_window, summary.sliding_window_layers)}`
        : ''),
  ]);
  rows.push([
    s.model.dtypeQuant,
    quant ? `${summary.torch_dtype} · ${quant.weights} (${quant.method})` : summary.torch_dtype,
  ]);
  rows.push([s.model.kvPerToken, s.model.kvPerTokenValue(summary.kv_cache_bytes_per_token_bf16)]);
  rows.push([s.model.vocab, s.model.vocabValue(summary.vocab_size, summary.tie_word_embeddings)]);
  if (hub?.weight_bytes)
    rows.push([
      s.model.weightBytes,
      s.model.fromFiles(formatBytes(hub.weight_bytes), s.model.weightSource(hub.weight_source)),
    ]);
  return (
    <>
      <DescriptionList
        isCompact
        columnModifier={{ default: '2Col' }}
        aria-label={s.model.summaryTitle}
        data-testid="vram-architecture"
      >
        {rows.map(([term, value]) => (
          <DescriptionListGroup key={term}>
            <DescriptionListTerm>{term}</DescriptionListTerm>
            <DescriptionListDescription>{value}</DescriptionListDescription>
          </DescriptionListGroup>
        ))}
      </DescriptionList>
      {hub && hub.gguf_files.length > 0 && (
        <Alert
          isInline
          isPlain
          variant="info"
          className="odh-vram-gap-top"
          title={s.model.ggufFiles(hub.gguf_files.length)}
        />
      )}
    </>
  );
}
