/** Import a HuggingFace model or dataset into the current location: form, dry run, live progress. */
import { useState } from 'react';
import {
  Alert,
  Button,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  Label,
  Modal,
  ModalBody,
  ModalHeader,
  Stack,
  StackItem,
  ToggleGroup,
  ToggleGroupItem,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { HfPreview, HfSource } from '../../api/types';
import { useAppData } from '../../app/appData';
import { TextField } from '../../app/TextField';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { messageOf } from '../../app/toasts';
import { isActive, useTransfers } from '../../app/transfers';
import { t } from '../../i18n/strings';
import { formatBytes } from '../../utils/format';
import { JobFilesTable, JobSummary, StateLabel } from '../transfers/JobProgress';
import { DestinationFields } from './DestinationFields';
import { PatternField, patternsOf } from './PatternField';
import { RateLimitField, limitRateOf } from '../../app/RateLimitField';

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;
const QUANTS = [
  'Q4_K_M',
  'Q5_K_M',
  'Q6_K',
  'Q8_0',
  'Q4_0',
  'Q4_K_S',
  'Q3_K_M',
  'Q2_K',
  'IQ4_XS',
  'F16',
  'BF16',
];
type Preset = 'all' | 'safetensors' | 'gguf';

function presetPatterns(preset: Preset, quant: string): { include: string; exclude: string } {
  if (preset === 'safetensors')
    return {
      include: ['*.safetensors', '*.json', '*.txt', '*.model', '*.tiktoken', '*.jinja', '*.md'].join('\n'),
      exclude: ['original/*', '*.pth', '*.bin', '*.gguf', '*.onnx'].join('\n'),
    };
  if (preset === 'gguf')
    return { include: [`*${quant}*.gguf`, `*${quant.toLowerCase()}*.gguf`, '*.md'].join('\n'), exclude: '' };
  return { include: '', exclude: '' };
}

export function HfImportModal({
  locationId,
  locationName,
  prefix,
  onClose,
}: {
  locationId: string;
  locationName: string;
  prefix: string;
  onClose: () => void;
}) {
  const { settings } = useAppData();
  const { jobs, upsert, cancel, titleOf } = useTransfers();
  const [repoId, setRepoId] = useState('');
  const [repoType, setRepoType] = useState<'model' | 'dataset'>('model');
  const [revision, setRevision] = useState('main');
  const [preset, setPreset] = useState<Preset>('all');
  const [quant, setQuant] = useState('Q4_K_M');
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [token, setToken] = useState('');
  const [limit, setLimit] = useState('');
  const [folder, setFolder] = useState<string | null>(null); // null: follow the repo id
  // Into this location's folder, or packaged as a ModelCar image pushed to a registry (docs/modelcar.md).
  const [target, setTarget] = useState<'folder' | 'modelcar'>('folder');
  const [image, setImage] = useState('');
  const [preview, setPreview] = useState<HfPreview | null>(null);
  const [error, setError] = useState<{ message: string; unreachable: boolean } | null>(null);
  // A preview that failed says the import would fail too: Start waits for a change or a new preview.
  const [previewFailed, setPreviewFailed] = useState(false);
  const [busy, setBusy] = useState<'preview' | 'start' | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = jobs.find((j) => j.id === jobId) ?? null;

  const repoProblem = repoId && !REPO_ID.test(repoId.trim()) ? t.hf.repoIdInvalid : null;
  const limitRate = limitRateOf(limit);
  const valid =
    repoId.trim() !== '' &&
    !repoProblem &&
    limitRate !== undefined &&
    (target === 'folder' || image.trim() !== '');
  const destFolder = folder ?? (repoId.trim() && !repoProblem ? `${prefix}${repoId.trim()}/` : prefix);
  const where = target === 'modelcar' ? image.trim() || t.hf.modelcarImage : `${locationName}/${destFolder}`;

  const source = (): HfSource => ({
    repo_id: repoId.trim(),
    repo_type: repoType,
    revision: revision.trim() || 'main',
    include: patternsOf(include),
    exclude: patternsOf(exclude),
    token: token.trim() || null,
  });
  const destination = () => ({ location_id: locationId, prefix: destFolder, repo_folder: false });

  const applyPreset = (next: Preset, q = quant) => {
    setPreset(next);
    const p = presetPatterns(next, q);
    setInclude(p.include);
    setExclude(p.exclude);
    setPreview(null);
    setPreviewFailed(false);
  };

  const edited =
    <T,>(setter: (v: T) => void) =>
    (v: T) => {
      setter(v);
      setPreview(null);
      setPreviewFailed(false);
    };

  const run = async (what: 'preview' | 'start') => {
    if (!valid) return;
    setBusy(what);
    setError(null);
    try {
      if (what === 'preview') {
        setPreview(await api.hfPreview(source(), destination()));
        setPreviewFailed(false);
      } else {
        const { include: inc, exclude: exc, ...hub } = source();
        const started = await api.startTransfer(
          target === 'modelcar'
            ? {
                kind: 'modelcar',
                source: { hf: hub, include: inc, exclude: exc },
                image: image.trim(),
                limit_rate: limitRate,
              }
            : { kind: 'huggingface', source: source(), destination: destination(), limit_rate: limitRate },
        );
        upsert(started);
        setJobId(started.id);
      }
    } catch (err) {
      setError({
        message: messageOf(err),
        unreachable: err instanceof ApiError && err.code === 'HubUnreachable',
      });
      if (what === 'preview') setPreviewFailed(true);
    } finally {
      setBusy(null);
    }
  };

  const form = (
    <Form
      id="hf-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run('preview');
      }}
    >
      {error && (
        <Alert isInline variant="danger" title={error.message} data-testid="hf-error">
          {error.unreachable && (
            <Link to="/settings?tab=proxy" onClick={onClose} data-testid="hf-error-settings">
              {t.hf.openSettings}
            </Link>
          )}
        </Alert>
      )}
      <Grid hasGutter md={6}>
        <GridItem md={8}>
          <TextField
            id="hf-repo"
            label={t.hf.repoId}
            value={repoId}
            onChange={edited(setRepoId)}
            problem={repoProblem}
            help={t.hf.repoIdHelp}
            isRequired
            autoFocus
            placeholder="owner/name"
          />
        </GridItem>
        <GridItem md={4}>
          <FormGroup label={t.hf.repoType} fieldId="hf-type" role="group">
            <ToggleGroup aria-label={t.hf.repoType}>
              <ToggleGroupItem
                text={t.hf.model}
                buttonId="hf-type"
                isSelected={repoType === 'model'}
                onChange={() => edited(setRepoType)('model')}
              />
              <ToggleGroupItem
                text={t.hf.dataset}
                isSelected={repoType === 'dataset'}
                onChange={() => edited(setRepoType)('dataset')}
              />
            </ToggleGroup>
          </FormGroup>
        </GridItem>
        <GridItem md={6}>
          <TextField
            id="hf-revision"
            label={t.hf.revision}
            value={revision}
            onChange={edited(setRevision)}
            help={t.hf.revisionHelp}
          />
        </GridItem>
        <GridItem md={6}>
          <TextField
            id="hf-token"
            label={t.hf.token}
            type="password"
            value={token}
            onChange={edited(setToken)}
            help={t.hf.tokenHelp(!!settings?.huggingface.token_set)}
            autoComplete="off"
          />
        </GridItem>
        <GridItem span={12}>
          <FormGroup label={t.hf.presets} fieldId="hf-preset-all" role="group">
            <Flex spaceItems={{ default: 'spaceItemsMd' }} alignItems={{ default: 'alignItemsCenter' }}>
              <FlexItem>
                <ToggleGroup aria-label={t.hf.presets}>
                  <ToggleGroupItem
                    text={t.hf.presetAll}
                    buttonId="hf-preset-all"
                    isSelected={preset === 'all'}
                    onChange={() => applyPreset('all')}
                  />
                  <ToggleGroupItem
                    text={t.hf.presetSafetensors}
                    isSelected={preset === 'safetensors'}
                    onChange={() => applyPreset('safetensors')}
                  />
                  <ToggleGroupItem
                    text={t.hf.presetGguf}
                    isSelected={preset === 'gguf'}
                    onChange={() => applyPreset('gguf')}
                  />
                </ToggleGroup>
              </FlexItem>
              {preset === 'gguf' && (
                <FlexItem style={{ width: '11rem' }}>
                  <FormSelect
                    id="hf-quant"
                    aria-label={t.hf.quantization}
                    value={quant}
                    onChange={(_e, v) => {
                      setQuant(v);
                      applyPreset('gguf', v);
                    }}
                  >
                    {QUANTS.map((q) => (
                      <FormSelectOption key={q} value={q} label={q} />
                    ))}
                  </FormSelect>
                </FlexItem>
              )}
            </Flex>
          </FormGroup>
        </GridItem>
        <PatternField id="hf-include" label={t.hf.include} value={include} onChange={edited(setInclude)} />
        <PatternField
          id="hf-exclude"
          label={t.hf.exclude}
          value={exclude}
          onChange={edited(setExclude)}
          help={t.hf.patternsHelp}
        />
        <GridItem span={12}>
          <FormGroup label={t.hf.target} fieldId="hf-target-folder" role="group">
            <ToggleGroup aria-label={t.hf.target}>
              <ToggleGroupItem
                text={t.hf.targetFolder}
                buttonId="hf-target-folder"
                isSelected={target === 'folder'}
                onChange={() => setTarget('folder')}
              />
              <ToggleGroupItem
                text={t.hf.targetModelcar}
                buttonId="hf-target-modelcar"
                isSelected={target === 'modelcar'}
                onChange={() => setTarget('modelcar')}
              />
            </ToggleGroup>
          </FormGroup>
          {target === 'folder' ? (
            <DestinationFields folderId="hf-folder" folder={destFolder} onFolderChange={edited(setFolder)} />
          ) : (
            <TextField
              id="hf-image"
              label={t.modelcar.image}
              value={image}
              onChange={setImage}
              help={t.hf.modelcarHelp}
              isRequired
              placeholder="quay.io/me/model:v1"
            />
          )}
          <RateLimitField id="hf-limit-rate" value={limit} onChange={setLimit} />
        </GridItem>
      </Grid>
      {preview && (
        <Stack hasGutter>
          <StackItem>
            <Title headingLevel="h3" size="md" data-testid="hf-preview-title">
              {t.hf.previewTitle(
                preview.file_count,
                formatBytes(preview.total_size),
                preview.sha.slice(0, 12),
              )}
            </Title>
          </StackItem>
          <StackItem>
            <div className="odh-tec-scroll" style={{ maxHeight: '30vh' }}>
              <Table aria-label={t.hf.filesLabel} variant="compact" data-testid="hf-preview-files">
                <Thead>
                  <Tr>
                    <Th>{t.transfers.path}</Th>
                    <Th>{t.common.size}</Th>
                    <Th screenReaderText={t.hf.exists} />
                  </Tr>
                </Thead>
                <Tbody>
                  {preview.files.map((f) => (
                    <Tr key={f.path}>
                      <Td dataLabel={t.transfers.path} modifier="breakWord" className="odh-tec-mono">
                        {f.path}
                      </Td>
                      <Td dataLabel={t.common.size} modifier="nowrap">
                        {formatBytes(f.size)}
                      </Td>
                      <Td dataLabel={t.hf.exists}>
                        {f.exists && (
                          <Label isCompact color="orange">
                            {t.hf.exists}
                          </Label>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </div>
          </StackItem>
        </Stack>
      )}
    </Form>
  );

  const progress = job && (
    <Stack hasGutter data-testid="hf-progress">
      <StackItem>
        <Title headingLevel="h3" size="md">
          {titleOf(job)} <StateLabel state={job.state} />
        </Title>
      </StackItem>
      {job.resolved_revision && (
        <StackItem>
          {t.transfers.revision}: <span className="odh-tec-mono">{job.resolved_revision}</span>
        </StackItem>
      )}
      <StackItem>
        <JobSummary job={job} />
      </StackItem>
      <StackItem>
        <JobFilesTable job={job} />
      </StackItem>
    </Stack>
  );

  return (
    <Modal isOpen variant="large" onClose={onClose} aria-labelledby="hf-title">
      <ModalHeader title={t.hf.title} labelId="hf-title" description={t.hf.destination(where)} />
      <ModalBody>{job ? progress : form}</ModalBody>
      {job ? (
        <ModalActionsFooter dismissLabel={t.common.close} onDismiss={onClose}>
          {isActive(job) && (
            <Button variant="danger" onClick={() => cancel(job.id)}>
              {t.hf.cancelImport}
            </Button>
          )}
          {!isActive(job) && (
            <Button
              variant="secondary"
              onClick={() => {
                setJobId(null);
                setPreview(null);
              }}
            >
              {t.hf.newImport}
            </Button>
          )}
        </ModalActionsFooter>
      ) : (
        <ModalActionsFooter
          submitLabel={t.hf.start}
          onSubmit={() => void run('start')}
          isSubmitDisabled={!valid || busy !== null || previewFailed}
          isSubmitLoading={busy === 'start'}
          onDismiss={onClose}
        >
          <Button
            variant="secondary"
            type="submit"
            form="hf-form"
            isDisabled={!valid || busy !== null}
            isLoading={busy === 'preview'}
          >
            {t.hf.previewButton}
          </Button>
        </ModalActionsFooter>
      )}
    </Modal>
  );
}
