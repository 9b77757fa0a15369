/** Settings: S3 / HuggingFace / Proxy / Transfers / Registry. Secrets are write-only; Test and Save per tab. */
import { useEffect, useMemo, useState } from 'react';
import {
  ActionGroup,
  Alert,
  AlertActionLink,
  Bullseye,
  Button,
  ClipboardCopy,
  Content,
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
  Label,
  PageSection,
  Spinner,
  Tab,
  Tabs,
  TabTitleText,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { useSearchParams } from 'react-router-dom';
import { api, request } from '../../api/client';
import { apiUrl } from '../../api/base';
import type { Settings, SettingsSection, TestResult } from '../../api/types';
import { useAppData } from '../../app/appData';
import { FieldHelper } from '../../app/FieldHelper';
import { messageOf, useToasts } from '../../app/toasts';
import { t } from '../../i18n/strings';
import { parseRate, rateSetting } from '../../utils/format';
import { ConnectionsTab } from './connections/ConnectionsTab';

interface Field {
  name: string;
  label: string;
  kind: 'text' | 'url' | 'secret' | 'number' | 'rate';
  help?: string;
  min?: number;
  max?: number;
  setFlag?: string; // for secrets: the `*_set` field of GET /api/settings
}

const FIELDS: Record<SettingsSection, Field[]> = {
  s3: [
    { name: 'endpoint', label: t.settings.endpoint, kind: 'url' },
    { name: 'region', label: t.settings.region, kind: 'text' },
    { name: 'access_key_id', label: t.settings.accessKey, kind: 'text' },
    {
      name: 'secret_access_key',
      label: t.settings.secretKey,
      kind: 'secret',
      setFlag: 'secret_access_key_set',
    },
    { name: 'default_bucket', label: t.settings.defaultBucket, kind: 'text' },
  ],
  huggingface: [
    { name: 'endpoint', label: t.settings.hfEndpoint, kind: 'url' },
    { name: 'token', label: t.settings.hfToken, kind: 'secret', setFlag: 'token_set' },
  ],
  proxy: [
    { name: 'http_proxy', label: t.settings.httpProxy, kind: 'url' },
    { name: 'https_proxy', label: t.settings.httpsProxy, kind: 'url' },
    { name: 'no_proxy', label: t.settings.noProxy, kind: 'text', help: t.settings.noProxyHelp },
  ],
  transfers: [
    {
      name: 'max_concurrent_transfers',
      label: t.settings.maxConcurrent,
      kind: 'number',
      min: 1,
      max: 64,
      help: t.settings.maxConcurrentHelp,
    },
    {
      name: 'max_files_per_page',
      label: t.settings.filesPerPage,
      kind: 'number',
      min: 1,
      max: 1000,
      help: t.settings.filesPerPageHelp,
    },
    { name: 'max_transfer_rate', label: t.settings.maxRate, kind: 'rate', help: t.settings.maxRateHelp },
  ],
  registry: [
    { name: 'host', label: t.settings.registryHost, kind: 'text', help: t.settings.registryHostHelp },
    { name: 'username', label: t.settings.registryUser, kind: 'text' },
    { name: 'password', label: t.settings.registryPassword, kind: 'secret', setFlag: 'password_set' },
    { name: 'base_image', label: t.settings.baseImage, kind: 'text', help: t.settings.baseImageHelp },
  ],
};

type SecretAction = { mode: 'keep' } | { mode: 'replace'; value: string } | { mode: 'clear' };

interface EmbeddedKeys {
  endpoint: string;
  access_key_id: string;
  secret_access_key: string;
  credentials_file: string;
}

/** The embedded S3's endpoint, and its keys only when asked for: they are local keys (127.0.0.1), fetched
 *  from their own route on "Reveal", never part of GET /api/settings. */
function EmbeddedS3({ settings }: { settings: Settings }) {
  const [keys, setKeys] = useState<EmbeddedKeys | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      setKeys(await request<EmbeddedKeys>('GET', apiUrl('/settings/s3/embedded-credentials')));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const rows: Array<[string, string, string]> = [
    [t.settings.embeddedEndpoint, keys?.endpoint ?? settings.s3.endpoint, 'embedded-endpoint'],
    [t.settings.embeddedAccessKey, keys?.access_key_id ?? settings.s3.access_key_id, 'embedded-access-key'],
    [t.settings.embeddedSecretKey, keys?.secret_access_key ?? t.settings.hidden, 'embedded-secret'],
  ];
  if (keys) rows.push([t.settings.embeddedKeysFile, keys.credentials_file, 'embedded-keys-file']);
  return (
    <Alert
      isInline
      variant="info"
      title={t.settings.embedded}
      data-testid="embedded-s3"
      actionLinks={
        keys ? (
          <AlertActionLink onClick={() => setKeys(null)}>{t.settings.hide}</AlertActionLink>
        ) : (
          <AlertActionLink
            onClick={reveal}
            isLoading={busy}
            aria-label={t.settings.revealLabel}
            data-testid="embedded-reveal"
          >
            {t.settings.reveal}
          </AlertActionLink>
        )
      }
    >
      <Content component="p">
        {t.settings.embeddedHelp}{' '}
        <ClipboardCopy variant="inline-compact" isCode>
          {t.settings.embeddedCommand}
        </ClipboardCopy>
        {t.settings.embeddedHelpAfter}
      </Content>
      <DescriptionList isCompact isHorizontal aria-label={t.settings.embeddedTitle}>
        {rows.map(([term, value, id]) => (
          <DescriptionListGroup key={id}>
            <DescriptionListTerm>{term}</DescriptionListTerm>
            <DescriptionListDescription>
              <span className="odh-tec-mono" data-testid={id}>
                {value}
              </span>
            </DescriptionListDescription>
          </DescriptionListGroup>
        ))}
      </DescriptionList>
      {error && <div className="pf-v6-u-text-color-status-danger">{error}</div>}
    </Alert>
  );
}

function fieldProblem(field: Field, value: string): string | null {
  if (field.kind === 'url' && value && !/^https?:\/\/[^/\s]+/i.test(value)) return t.settings.invalidUrl;
  if (field.kind === 'rate' && parseRate(value) === null) return t.settings.invalidRate;
  if (field.kind === 'number') {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < (field.min ?? 0) || n > (field.max ?? Infinity))
      return t.settings.invalidNumber(field.min ?? 0, field.max ?? 0);
  }
  return null;
}

function SectionForm({
  section,
  settings,
  onSaved,
}: {
  section: SettingsSection;
  settings: Settings;
  onSaved: (s: Settings) => void;
}) {
  const { notify } = useToasts();
  const current = settings[section] as unknown as Record<string, string | number | boolean>;
  const fields = FIELDS[section];
  const initial = useMemo(
    () =>
      Object.fromEntries(
        fields
          .filter((f) => f.kind !== 'secret')
          .map((f) => [
            f.name,
            f.kind === 'rate' ? rateSetting(Number(current[f.name] ?? 0)) : String(current[f.name] ?? ''),
          ]),
      ),
    [fields, current],
  );
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [secrets, setSecrets] = useState<Record<string, SecretAction>>({});
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [testTarget, setTestTarget] = useState<'hf' | 's3'>('hf');

  useEffect(() => {
    setValues(initial);
    setSecrets({});
  }, [initial]);

  const edited =
    fields.some((f) => f.kind !== 'secret' && values[f.name] !== initial[f.name]) ||
    Object.values(secrets).some((s) => s.mode !== 'keep');
  const problems = Object.fromEntries(
    fields.filter((f) => f.kind !== 'secret').map((f) => [f.name, fieldProblem(f, values[f.name] ?? '')]),
  );
  const invalid =
    Object.values(problems).some(Boolean) ||
    Object.values(secrets).some((s) => s.mode === 'replace' && !s.value);

  const body = () => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.kind === 'secret') {
        const action = secrets[f.name];
        if (action?.mode === 'replace') out[f.name] = action.value;
        else if (action?.mode === 'clear') out[f.name] = '';
      } else if (f.kind === 'number') out[f.name] = Number(values[f.name]);
      else if (f.kind === 'rate') out[f.name] = values[f.name]?.trim() || 0;
      else out[f.name] = values[f.name];
    }
    if (section === 'proxy')
      out.test_url = testTarget === 'hf' ? settings.huggingface.endpoint : settings.s3.endpoint;
    return out;
  };

  const save = async () => {
    setBusy('save');
    setError(null);
    try {
      const payload = body();
      delete payload.test_url;
      const saved = await api.saveSettings(section, payload);
      onSaved(saved);
      setSecrets({});
      notify({ variant: 'success', title: t.settings.saved });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    if (section === 'transfers') return;
    setBusy('test');
    setError(null);
    setResult(null);
    try {
      setResult(await api.testSettings(section, body()));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const secretField = (f: Field) => {
    const isSet = Boolean(current[f.setFlag ?? '']);
    const action = secrets[f.name] ?? { mode: 'keep' };
    const setAction = (a: SecretAction) => setSecrets((old) => ({ ...old, [f.name]: a }));
    const id = `${section}-${f.name}`;
    return (
      <FormGroup key={f.name} label={f.label} fieldId={action.mode === 'replace' ? id : `${id}-replace`}>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
          <FlexItem>
            <Label color={isSet ? 'green' : 'grey'} data-testid={`${id}-state`}>
              {t.settings.secretState(isSet)}
            </Label>
          </FlexItem>
          {action.mode === 'replace' ? (
            <>
              <FlexItem grow={{ default: 'grow' }}>
                <TextInput
                  id={id}
                  type="password"
                  aria-label={t.settings.newValue(f.label)}
                  value={action.value}
                  onChange={(_e, v) => setAction({ mode: 'replace', value: v })}
                  autoComplete="new-password"
                  autoFocus
                />
              </FlexItem>
              <FlexItem>
                <Button variant="link" onClick={() => setAction({ mode: 'keep' })}>
                  {t.settings.keep}
                </Button>
              </FlexItem>
            </>
          ) : (
            <>
              <FlexItem>
                <Button
                  id={`${id}-replace`}
                  variant="secondary"
                  onClick={() => setAction({ mode: 'replace', value: '' })}
                  aria-label={`${t.settings.replace} ${f.label}`}
                >
                  {t.settings.replace}
                </Button>
              </FlexItem>
              {isSet && action.mode !== 'clear' && (
                <FlexItem>
                  <Button
                    variant="link"
                    isDanger
                    onClick={() => setAction({ mode: 'clear' })}
                    aria-label={`${t.settings.clear} ${f.label}`}
                  >
                    {t.settings.clear}
                  </Button>
                </FlexItem>
              )}
              {action.mode === 'clear' && (
                <FlexItem>
                  <Label color="orange">{t.settings.willClear}</Label>{' '}
                  <Button variant="link" onClick={() => setAction({ mode: 'keep' })}>
                    {t.settings.keep}
                  </Button>
                </FlexItem>
              )}
            </>
          )}
        </Flex>
        <FieldHelper help={t.settings.secretHelp} />
      </FormGroup>
    );
  };

  return (
    <Form
      className="pf-v6-u-pt-lg"
      style={{ maxWidth: '48rem' }}
      onSubmit={(e) => {
        e.preventDefault();
        if (edited && !invalid) void save();
      }}
      aria-label={t.settings.tabs[section]}
    >
      {section === 's3' && settings.s3.embedded && <EmbeddedS3 settings={settings} />}
      {fields.map((f) => {
        if (f.kind === 'secret') return secretField(f);
        const id = `${section}-${f.name}`;
        const problem = problems[f.name];
        return (
          <FormGroup key={f.name} label={f.label} fieldId={id}>
            <TextInput
              id={id}
              type={f.kind === 'number' ? 'number' : 'text'}
              inputMode={f.kind === 'number' ? 'numeric' : undefined}
              value={values[f.name] ?? ''}
              onChange={(_e, v) => setValues((old) => ({ ...old, [f.name]: v }))}
              validated={problem ? 'error' : 'default'}
              min={f.min}
              max={f.max}
            />
            <FieldHelper problem={problem} help={f.help} />
          </FormGroup>
        );
      })}
      {section === 'proxy' && (
        <FormGroup label={t.settings.test} fieldId="proxy-test-target">
          <FormSelect
            id="proxy-test-target"
            value={testTarget}
            onChange={(_e, v) => setTestTarget(v as 'hf' | 's3')}
          >
            <FormSelectOption
              value="hf"
              label={`${t.settings.tabs.huggingface}: ${settings.huggingface.endpoint}`}
            />
            <FormSelectOption
              value="s3"
              label={`${t.settings.tabs.s3}: ${settings.s3.endpoint || 'AWS'}`}
              isDisabled={!settings.s3.endpoint}
            />
          </FormSelect>
        </FormGroup>
      )}
      {error && <Alert isInline variant="danger" title={error} data-testid="settings-error" />}
      {result && (
        <Alert
          isInline
          variant={result.ok ? 'success' : 'danger'}
          title={result.ok ? t.settings.testOk : t.settings.testFailed}
          data-testid="test-result"
        >
          {result.message}
        </Alert>
      )}
      <ActionGroup>
        <Button type="submit" isDisabled={!edited || invalid || busy !== null} isLoading={busy === 'save'}>
          {t.settings.save}
        </Button>
        {section !== 'transfers' && (
          <Button
            variant="secondary"
            onClick={test}
            isDisabled={invalid || busy !== null}
            isLoading={busy === 'test'}
          >
            {t.settings.test}
          </Button>
        )}
        {edited && (
          <Button
            variant="link"
            onClick={() => {
              setValues(initial);
              setSecrets({});
              setResult(null);
              setError(null);
            }}
          >
            {t.settings.reset}
          </Button>
        )}
      </ActionGroup>
    </Form>
  );
}

const SECTIONS: SettingsSection[] = ['s3', 'huggingface', 'proxy', 'transfers', 'registry'];
const CONNECTIONS = 'connections';

export default function SettingsPage() {
  const { settings, setSettings, refreshLocations } = useAppData();
  // ?tab=proxy opens that tab (the HuggingFace import links there when the Hub cannot be reached).
  const [params] = useSearchParams();
  const wanted = params.get('tab');
  const [tab, setTab] = useState<string | number>(
    wanted && (SECTIONS.includes(wanted as SettingsSection) || wanted === CONNECTIONS) ? wanted : 's3',
  );
  const [loaded, setLoaded] = useState<Settings | null>(settings);
  const { notifyError } = useToasts();

  useEffect(() => {
    // Always start from the server's current values.
    api.settings().then(
      (s) => {
        setLoaded(s);
        setSettings(s);
      },
      (err) => notifyError(err),
    );
  }, [setSettings, notifyError]);

  const onSaved = (s: Settings) => {
    setLoaded(s);
    setSettings(s);
    void refreshLocations();
  };

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">{t.settings.title}</Title>
        <Content component="p">{t.settings.restartNote}</Content>
      </PageSection>
      <PageSection isFilled>
        {!loaded ? (
          <Bullseye>
            <Spinner aria-label={t.common.loading} />
          </Bullseye>
        ) : (
          <Tabs
            activeKey={tab}
            onSelect={(_e, key) => setTab(key)}
            aria-label={t.settings.title}
            mountOnEnter
            unmountOnExit
          >
            {[
              ...SECTIONS.map((section) => (
                <Tab
                  key={section}
                  eventKey={section}
                  title={<TabTitleText>{t.settings.tabs[section]}</TabTitleText>}
                >
                  <SectionForm section={section} settings={loaded} onSaved={onSaved} />
                </Tab>
              )),
              <Tab
                key={CONNECTIONS}
                eventKey={CONNECTIONS}
                title={<TabTitleText>{t.connections.tab}</TabTitleText>}
              >
                <ConnectionsTab />
              </Tab>,
            ]}
          </Tabs>
        )}
      </PageSection>
    </>
  );
}
