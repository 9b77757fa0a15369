/** Task, runtime, precision and method controls; the GPU and how many. */
import { useState, type ReactNode } from 'react';
import {
  Alert,
  ExpandableSection,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  FormSelectOptionGroup,
  Grid,
  GridItem,
  Switch,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import type { GpuInfo } from '../../api/vram';
import { vramStrings as s } from '../../i18n/vram';
import { FieldHelper } from '../../app/FieldHelper';
import { TextField, type TextFieldProps } from '../../app/TextField';
import {
  attentionChoices,
  computeChoices,
  COUNTS,
  frameworkChoices,
  lossChoices,
  kvChoices,
  optimizerChoices,
  shardingChoices,
  targetChoices,
  weightChoices,
  type Choice,
  type Inputs,
  type Problems,
} from './state';

type Change = (patch: Partial<Inputs>) => void;

function Toggle<T extends string>({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: T;
  options: Array<[T, string]>;
  onChange: (value: T) => void;
}) {
  return (
    <FormGroup label={label} fieldId={id} role="group">
      <ToggleGroup aria-label={label} id={id}>
        {options.map(([v, text]) => (
          <ToggleGroupItem
            key={v}
            text={text}
            buttonId={`${id}-${v}`}
            isSelected={value === v}
            onChange={() => onChange(v)}
          />
        ))}
      </ToggleGroup>
    </FormGroup>
  );
}

function Select({
  id,
  label,
  value,
  options,
  onChange,
  help,
}: {
  id: string;
  label: string;
  value: string;
  options: Choice[];
  onChange: (value: string) => void;
  help?: string;
}) {
  return (
    <FormGroup label={label} fieldId={id}>
      <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v)}>
        {options.map((o) => (
          <FormSelectOption key={o.value} value={o.value} label={o.label} />
        ))}
      </FormSelect>
      {help && <FieldHelper help={help} />}
    </FormGroup>
  );
}

function NumberField({ decimal, ...field }: TextFieldProps & { placeholder?: string; decimal?: boolean }) {
  return <TextField {...field} inputMode={decimal ? 'decimal' : 'numeric'} autoComplete="off" />;
}

const Half = ({ children }: { children: ReactNode }) => (
  <GridItem span={12} sm={6}>
    {children}
  </GridItem>
);

export function WorkloadForm({
  inputs,
  problems,
  onChange,
}: {
  inputs: Inputs;
  problems: Problems;
  onChange: Change;
}) {
  const [advanced, setAdvanced] = useState(false);
  const w = s.workload;
  const inference = inputs.task === 'inference';
  const vllm = inference && inputs.engine === 'vllm';
  const llamacpp = inference && inputs.engine === 'llamacpp';
  const context = !inference
    ? [w.contextFinetune, w.contextFinetuneHelp]
    : vllm
      ? [w.contextVllm, w.contextVllmHelp]
      : llamacpp
        ? [w.contextLlamacpp, w.contextLlamacppHelp]
        : [w.contextTransformers, w.contextTransformersHelp];
  const batch = !inference
    ? [w.microBatch, undefined]
    : llamacpp
      ? [w.slots, w.slotsHelp]
      : [w.batch, w.batchHelp];
  const attention = attentionChoices(inputs);
  return (
    <Form onSubmit={(e) => e.preventDefault()} aria-label={w.title}>
      <Toggle
        id="vram-task"
        label={w.task}
        value={inputs.task}
        onChange={(task) => onChange({ task })}
        options={[
          ['inference', w.inference],
          ['finetune', w.finetune],
        ]}
      />
      {inference ? (
        <Toggle
          id="vram-engine"
          label={w.runtime}
          value={inputs.engine}
          onChange={(engine) => onChange({ engine })}
          options={[
            ['transformers', w.transformers],
            ['vllm', w.vllm],
            ['llamacpp', w.llamacpp],
          ]}
        />
      ) : (
        <Toggle
          id="vram-method"
          label={w.method}
          value={inputs.method}
          onChange={(method) => onChange({ method })}
          options={[
            ['full', w.full],
            ['lora', w.lora],
            ['qlora', w.qlora],
          ]}
        />
      )}
      {!inference && (
        <Select
          id="vram-framework"
          label={w.framework}
          value={inputs.framework}
          options={frameworkChoices()}
          onChange={(v) => onChange({ framework: v as Inputs['framework'] })}
          help={w.frameworkHelp[inputs.framework]}
        />
      )}
      <Grid hasGutter>
        <Half>
          <Select
            id="vram-weights"
            label={w.weights}
            value={inputs.weights}
            options={weightChoices(inputs)}
            onChange={(weights) => onChange({ weights })}
          />
        </Half>
        {inference ? (
          <Half>
            <Select
              id="vram-kv-dtype"
              label={w.kvDtype}
              value={inputs.kvCacheDtype}
              options={kvChoices(inputs.engine)}
              onChange={(kvCacheDtype) => onChange({ kvCacheDtype })}
            />
          </Half>
        ) : (
          <Half>
            <Select
              id="vram-optimizer"
              label={w.optimizer}
              value={inputs.optimizer}
              options={optimizerChoices()}
              onChange={(v) => onChange({ optimizer: v as Inputs['optimizer'] })}
            />
          </Half>
        )}
        <Half>
          <NumberField
            id="vram-context"
            label={context[0]!}
            help={context[1]}
            value={inputs.context}
            problem={problems.context}
            onChange={(v) => onChange({ context: v })}
          />
        </Half>
        <Half>
          {vllm ? (
            <NumberField
              id="vram-max-seqs"
              label={w.maxSeqs}
              help={w.maxSeqsHelp}
              placeholder={w.maxSeqsPlaceholder}
              value={inputs.maxNumSeqs}
              problem={problems.maxNumSeqs}
              onChange={(v) => onChange({ maxNumSeqs: v })}
            />
          ) : (
            <NumberField
              id="vram-batch"
              label={batch[0]!}
              help={batch[1]}
              value={inputs.batch}
              problem={problems.batch}
              onChange={(v) => onChange({ batch: v })}
            />
          )}
        </Half>
        {vllm && (
          <Half>
            <NumberField
              id="vram-util"
              label={w.util}
              help={w.utilHelp}
              value={inputs.util}
              problem={problems.util}
              decimal
              onChange={(v) => onChange({ util: v })}
            />
          </Half>
        )}
        {!inference && inputs.method !== 'full' && (
          <>
            <Half>
              <NumberField
                id="vram-rank"
                label={w.rank}
                value={inputs.loraRank}
                problem={problems.loraRank}
                onChange={(v) => onChange({ loraRank: v })}
              />
            </Half>
            <Half>
              <Select
                id="vram-targets"
                label={w.targets}
                value={inputs.loraTarget}
                options={targetChoices()}
                onChange={(v) => onChange({ loraTarget: v as Inputs['loraTarget'] })}
              />
            </Half>
          </>
        )}
        {!inference && (
          <>
            <Half>
              <Select
                id="vram-sharding"
                label={w.sharding}
                value={inputs.sharding}
                options={shardingChoices()}
                onChange={(v) => onChange({ sharding: v as Inputs['sharding'] })}
              />
            </Half>
            <GridItem span={12}>
              <Switch
                id="vram-checkpointing"
                label={w.checkpointing}
                isChecked={inputs.gradientCheckpointing}
                onChange={(_e, v) => onChange({ gradientCheckpointing: v })}
              />
            </GridItem>
          </>
        )}
      </Grid>
      <ExpandableSection
        toggleText={w.advanced}
        isExpanded={advanced}
        onToggle={(_e, open) => setAdvanced(open)}
      >
        <Grid hasGutter>
          <Half>
            <Select
              id="vram-compute"
              label={w.computeDtype}
              value={inputs.computeDtype}
              options={computeChoices()}
              onChange={(computeDtype) => onChange({ computeDtype })}
            />
          </Half>
          {attention.length > 0 && (
            <Half>
              <Select
                id="vram-attention"
                label={w.attention}
                value={inputs.attention}
                options={attention}
                onChange={(v) => onChange({ attention: v })}
              />
            </Half>
          )}
          {!inference && (
            <>
              <Half>
                <Select
                  id="vram-loss"
                  label={w.loss}
                  value={inputs.loss}
                  options={lossChoices()}
                  onChange={(v) => onChange({ loss: v as Inputs['loss'] })}
                  help={w.lossHelp}
                />
              </Half>
              {inputs.sharding !== 'none' && (
                <Half>
                  <NumberField
                    id="vram-zero-bucket"
                    label={w.zeroBucketSize}
                    help={w.zeroBucketSizeHelp}
                    value={inputs.zeroBucketSize}
                    problem={problems.zeroBucketSize}
                    onChange={(v) => onChange({ zeroBucketSize: v })}
                  />
                </Half>
              )}
              <GridItem span={12}>
                <FormGroup label={w.stackSettings} fieldId="vram-stack-settings" role="group">
                  {(
                    [
                      ['torchCompile', w.torchCompile],
                      ['packing', w.packing],
                      ['activationOffloading', w.activationOffloading],
                      ['optimizerInBackward', w.optimizerInBackward],
                      ['offloadOptimizer', w.offloadOptimizer],
                      ['offloadParams', w.offloadParams],
                      ...(inputs.sharding !== 'none' && inputs.zeroBucketSize.trim()
                        ? ([['overlapComm', w.overlapComm]] as const)
                        : []),
                    ] as const
                  ).map(([key, label]) => (
                    <Switch
                      key={key}
                      id={`vram-${key}`}
                      className="odh-vram-switch"
                      label={label}
                      isChecked={inputs[key]}
                      onChange={(_e, v) => onChange({ [key]: v } as Partial<Inputs>)}
                    />
                  ))}
                </FormGroup>
              </GridItem>
            </>
          )}
          {llamacpp && (
            <Half>
              <NumberField
                id="vram-gpu-layers"
                label={w.gpuLayers}
                help={w.gpuLayersHelp}
                placeholder={w.gpuLayersPlaceholder}
                value={inputs.gpuLayers}
                problem={problems.gpuLayers}
                onChange={(v) => onChange({ gpuLayers: v })}
              />
            </Half>
          )}
        </Grid>
      </ExpandableSection>
    </Form>
  );
}

export function HardwareForm({
  inputs,
  gpus,
  gpusError,
  onChange,
}: {
  inputs: Inputs;
  gpus: GpuInfo[] | null;
  gpusError: string | null;
  onChange: Change;
}) {
  const h = s.hardware;
  const vendors = [...new Set((gpus ?? []).map((g) => g.vendor))];
  return (
    <Form onSubmit={(e) => e.preventDefault()} aria-label={h.title}>
      {gpusError && (
        <Alert isInline variant="danger" title={h.gpusFailed}>
          {gpusError}
        </Alert>
      )}
      <Grid hasGutter>
        <GridItem span={12} sm={7}>
          <FormGroup label={h.gpu} fieldId="vram-gpu">
            <FormSelect
              id="vram-gpu"
              value={inputs.gpu}
              onChange={(_e, gpu) => onChange({ gpu })}
              isDisabled={!gpus}
            >
              {!gpus && <FormSelectOption value={inputs.gpu} label={inputs.gpu} />}
              {vendors.map((vendor) => (
                <FormSelectOptionGroup key={vendor} label={vendor}>
                  {(gpus ?? [])
                    .filter((g) => g.vendor === vendor)
                    .map((g) => (
                      <FormSelectOption
                        key={g.name}
                        value={g.name}
                        label={h.gpuOption(g.name, g.usable_gib)}
                      />
                    ))}
                </FormSelectOptionGroup>
              ))}
            </FormSelect>
            <FieldHelper help={h.gpuHelp} />
          </FormGroup>
        </GridItem>
        <GridItem span={12} sm={5}>
          <FormGroup label={h.count} fieldId="vram-count">
            <FormSelect id="vram-count" value={inputs.count} onChange={(_e, count) => onChange({ count })}>
              <FormSelectOption value="auto" label={h.countAuto} />
              {COUNTS.map((n) => (
                <FormSelectOption key={n} value={String(n)} label={h.countN(n)} />
              ))}
            </FormSelect>
            <FieldHelper help={h.countHelp} />
          </FormGroup>
        </GridItem>
      </Grid>
    </Form>
  );
}
