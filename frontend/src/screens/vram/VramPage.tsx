/**
 * The VRAM estimator: pick a model (preset, Hub repo, or manual geometry), a workload and a GPU; the page asks
 * POST /api/vram/estimate 300 ms after the last change and shows the verdict, a bar per GPU, a table of the
 * same numbers and what each term is.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  Bullseye,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Content,
  Divider,
  EmptyState,
  Grid,
  GridItem,
  PageSection,
  Spinner,
  Stack,
  Title,
} from '@patternfly/react-core';
import { vramApi, type GpuInfo, type VramRequest, type VramResult } from '../../api/vram';
import { messageOf } from '../../app/toasts';
import { vramStrings as s } from '../../i18n/vram';
import { gpuGroups } from './breakdown';
import { ArchitectureSummary, ModelPicker, type HubState, type ModelSource } from './ModelPicker';
import { DEFAULT_PRESET, presetById } from './presets';
import { BreakdownTable, Chart, Explanations, KeyFigures, Verdict, Warnings } from './Results';
import {
  buildRequest,
  DEFAULT_INPUTS,
  DEFAULT_MANUAL,
  manualConfig,
  manualFromSummary,
  update,
  validate,
  validateManual,
  type Inputs,
  type ManualArch,
  type ModelChoice,
} from './state';
import { HardwareForm, WorkloadForm } from './WorkloadForm';
import './vram.css';

const DEBOUNCE_MS = 300;

interface Answer {
  request: VramRequest;
  result: VramResult;
}

export default function VramPage() {
  const [inputs, setInputs] = useState<Inputs>(DEFAULT_INPUTS);
  const change = useCallback((patch: Partial<Inputs>) => setInputs((old) => update(old, patch)), []);

  const [source, setSource] = useState<ModelSource>('preset');
  const [presetId, setPresetId] = useState(DEFAULT_PRESET);
  const [hub, setHub] = useState<HubState>({
    repoId: '',
    revision: 'main',
    loading: false,
    error: null,
    model: null,
  });
  const [manual, setManual] = useState<ManualArch>(DEFAULT_MANUAL);
  const manualTouched = useRef(false);

  const [gpus, setGpus] = useState<GpuInfo[] | null>(null);
  const [gpusError, setGpusError] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    vramApi.gpus(controller.signal).then(setGpus, (err) => {
      if (!controller.signal.aborted) setGpusError(messageOf(err));
    });
    return () => controller.abort();
  }, []);

  const problems = useMemo(() => validate(inputs), [inputs]);
  const manualProblems = useMemo(() => validateManual(manual), [manual]);

  const model: ModelChoice | null = useMemo(() => {
    if (source === 'preset') {
      const preset = presetById(presetId);
      return preset ? { config: preset.config } : null;
    }
    if (source === 'hub')
      return hub.model ? { config: hub.model.config, weightBytes: hub.model.weight_bytes } : null;
    return Object.keys(manualProblems).length ? null : { config: manualConfig(manual) };
  }, [source, presetId, hub.model, manual, manualProblems]);

  const invalid = Object.keys(problems).length > 0;
  const requestKey = useMemo(
    () => (model && !invalid ? JSON.stringify(buildRequest(model, inputs)) : null),
    [model, inputs, invalid],
  );

  useEffect(() => {
    if (!requestKey) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    const timer = window.setTimeout(() => {
      const request = JSON.parse(requestKey) as VramRequest;
      vramApi.estimate(request, controller.signal).then(
        (result) => {
          setAnswer({ request, result });
          setError(null);
          setLoading(false);
        },
        (err) => {
          if (controller.signal.aborted) return;
          setError(messageOf(err));
          setLoading(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [requestKey]);

  const hubController = useRef<AbortController | null>(null);
  const fetchModel = useCallback(async () => {
    hubController.current?.abort();
    const controller = new AbortController();
    hubController.current = controller;
    const repoId = hub.repoId.trim();
    const revision = hub.revision.trim() || 'main';
    setHub((h) => ({ ...h, loading: true, error: null }));
    try {
      const fetched = await vramApi.model(repoId, revision, controller.signal);
      setHub((h) => ({ ...h, loading: false, model: fetched }));
    } catch (err) {
      if (controller.signal.aborted) return;
      setHub((h) => ({ ...h, loading: false, error: messageOf(err), model: null }));
    }
  }, [hub.repoId, hub.revision]);
  useEffect(() => () => hubController.current?.abort(), []);

  const summary = source === 'hub' ? hub.model : model ? (answer?.result.model ?? null) : null;
  const copyCurrent = summary
    ? () => {
        manualTouched.current = true;
        setManual(manualFromSummary(summary));
      }
    : null;

  const onSource = (next: ModelSource) => {
    if (next === 'manual' && !manualTouched.current && summary) {
      manualTouched.current = true;
      setManual(manualFromSummary(summary));
    }
    setSource(next);
  };

  const shown = model && !error ? answer : null;
  const groups = useMemo(() => (shown ? gpuGroups(shown.result) : []), [shown]);
  const stale = loading || invalid;

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">{s.title}</Title>
        <Content component="p">{s.intro}</Content>
      </PageSection>
      <PageSection isFilled className="odh-vram">
        <Grid hasGutter>
          <GridItem lg={5}>
            <Stack hasGutter>
              <Card>
                <CardTitle component="h2">{s.model.title}</CardTitle>
                <CardBody>
                  <ModelPicker
                    source={source}
                    onSource={onSource}
                    presetId={presetId}
                    onPreset={setPresetId}
                    hub={hub}
                    onHub={(patch) => setHub((h) => ({ ...h, ...patch }))}
                    onFetch={() => void fetchModel()}
                    manual={manual}
                    manualProblems={manualProblems}
                    onManual={(patch) => {
                      manualTouched.current = true;
                      setManual((m) => ({ ...m, ...patch }));
                    }}
                    onManualFromCurrent={source === 'manual' ? copyCurrent : null}
                  />
                  {summary && (
                    <>
                      <Divider className="odh-vram-divider" />
                      <ArchitectureSummary summary={summary} hub={source === 'hub' ? hub.model : null} />
                    </>
                  )}
                </CardBody>
              </Card>
              <Card>
                <CardTitle component="h2">{s.workload.title}</CardTitle>
                <CardBody>
                  <WorkloadForm inputs={inputs} problems={problems} onChange={change} />
                </CardBody>
              </Card>
              <Card>
                <CardTitle component="h2">{s.hardware.title}</CardTitle>
                <CardBody>
                  <HardwareForm inputs={inputs} gpus={gpus} gpusError={gpusError} onChange={change} />
                </CardBody>
              </Card>
            </Stack>
          </GridItem>
          {/* The estimate: first on narrow screens. On wide ones it sits beside the form, and its verdict card
              stays in view (sticky) while the form scrolls; the figures below it scroll under it. */}
          <GridItem lg={7} order={{ default: '-1', lg: '0' }}>
            <Card data-testid="vram-result" className="odh-vram-sticky">
              <CardHeader
                actions={{
                  hasNoOffset: true,
                  actions: loading ? (
                    <Spinner size="lg" aria-label={s.result.loading} data-testid="vram-loading" />
                  ) : null,
                }}
              >
                <CardTitle component="h2">{s.result.title}</CardTitle>
              </CardHeader>
              <CardBody>
                <Stack hasGutter>
                  {invalid && (
                    <Alert isInline isPlain variant="info" title={s.invalid.fix} data-testid="vram-invalid" />
                  )}
                  {error && (
                    <Alert isInline variant="danger" title={s.result.failed} data-testid="vram-error">
                      {error}
                    </Alert>
                  )}
                  {!model && (
                    <EmptyState
                      titleText={source === 'hub' ? s.model.fetchFirst : s.result.none}
                      headingLevel="h3"
                      variant="xs"
                    />
                  )}
                  {model && !shown && !error && (
                    <Bullseye>
                      <Spinner aria-label={s.result.loading} />
                    </Bullseye>
                  )}
                  {shown && (
                    <div className={`odh-vram-results${stale ? ' is-loading' : ''}`} aria-busy={loading}>
                      <Verdict result={shown.result} request={shown.request} />
                    </div>
                  )}
                </Stack>
              </CardBody>
            </Card>
            {shown && (
              <Card className="odh-vram-gap-top">
                <CardBody>
                  <div className={`odh-vram-results${stale ? ' is-loading' : ''}`} aria-busy={loading}>
                    <Stack hasGutter>
                      <Warnings warnings={shown.result.warnings} />
                      <div>
                        <Chart groups={groups} usable={shown.result.usable_gib} />
                      </div>
                      <KeyFigures result={shown.result} searched={shown.request.hardware.count === null} />
                    </Stack>
                  </div>
                </CardBody>
              </Card>
            )}
          </GridItem>
          <GridItem>
            <Stack hasGutter>
              {shown && (
                <Card>
                  <CardTitle component="h2">{s.result.tableTitle}</CardTitle>
                  <CardBody>
                    <BreakdownTable groups={groups} usable={shown.result.usable_gib} />
                  </CardBody>
                </Card>
              )}
              {shown && (
                <Card>
                  <CardTitle component="h2">{s.result.explanations}</CardTitle>
                  <CardBody>
                    <Explanations result={shown.result} groups={groups} />
                  </CardBody>
                </Card>
              )}
            </Stack>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
