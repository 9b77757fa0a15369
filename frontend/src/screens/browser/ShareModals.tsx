/**
 * Share (a presigned download link for one S3 file) and Copy URI (how to open a file or folder elsewhere:
 * its URI, a KServe InferenceService, a Python snippet). The snippets are built here from the location,
 * the key and the public S3 settings; they name the keys' environment variables, never the keys.
 */
import { useEffect, useState } from 'react';
import {
  Alert,
  ClipboardCopy,
  ClipboardCopyButton,
  CodeBlock,
  CodeBlockAction,
  CodeBlockCode,
  Content,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Modal,
  ModalBody,
  ModalHeader,
  Spinner,
  Title,
} from '@patternfly/react-core';
import { api } from '../../api/client';
import type { Presigned } from '../../api/types';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { messageOf } from '../../app/toasts';
import { t } from '../../i18n/strings';
import { formatDate } from '../../utils/format';
import { isGone } from './useJobRefresh';

export const SHARE_EXPIRIES = [60, 3600, 86400, 604800] as const;

export function ShareModal({
  locationId,
  fileKey,
  onClose,
  onGone,
}: {
  locationId: string;
  fileKey: string;
  onClose: () => void;
  onGone: () => void;
}) {
  const [expires, setExpires] = useState<number>(3600);
  const [link, setLink] = useState<Presigned | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = fileKey.split('/').pop() ?? fileKey;

  const create = () => {
    setBusy(true);
    setError(null);
    api.presign(locationId, fileKey, expires).then(
      (answer) => {
        setLink(answer);
        setBusy(false);
      },
      (err) => {
        setBusy(false);
        if (isGone(err)) onGone();
        else setError(messageOf(err));
      },
    );
  };

  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="share-title">
      <ModalHeader title={t.share.title(name)} labelId="share-title" description={t.share.help} />
      <ModalBody>
        <Form
          id="share-form"
          onSubmit={(e) => {
            e.preventDefault();
            create();
          }}
        >
          <FormGroup label={t.share.expires} fieldId="share-expires">
            <FormSelect
              id="share-expires"
              value={String(expires)}
              onChange={(_e, value) => {
                setExpires(Number(value));
                setLink(null);
              }}
            >
              {SHARE_EXPIRIES.map((seconds) => (
                <FormSelectOption key={seconds} value={String(seconds)} label={t.share.expiry(seconds)} />
              ))}
            </FormSelect>
          </FormGroup>
        </Form>
        {error && <Alert isInline variant="danger" title={error} className="pf-v6-u-mt-md" />}
        {link && (
          <div className="pf-v6-u-mt-md">
            <ClipboardCopy
              isReadOnly
              hoverTip={t.share.copy}
              clickTip={t.share.copied}
              textAriaLabel={t.share.url}
              data-testid="share-url"
            >
              {link.url}
            </ClipboardCopy>
            <Content component="p" className="pf-v6-u-mt-sm" data-testid="share-expires-at">
              {t.share.expiresAt(formatDate(link.expires_at))}
            </Content>
            {link.internal && (
              <Alert isInline variant="warning" title={t.share.internalTitle} data-testid="share-internal">
                {link.note}
              </Alert>
            )}
          </div>
        )}
      </ModalBody>
      <ModalActionsFooter
        submitLabel={link ? t.share.again : t.share.create}
        form="share-form"
        isSubmitLoading={busy}
        isSubmitDisabled={busy}
        dismissLabel={t.common.close}
        onDismiss={onClose}
      />
    </Modal>
  );
}

/** A name KServe accepts for an InferenceService (a DNS-1035 label), from the file or folder name. */
function serviceName(path: string): string {
  const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
  const cleaned = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 45)
    .replace(/-+$/, '');
  return cleaned || 'my-model';
}

/** A Python string literal (JSON's escapes are Python's too). */
const py = (value: string) => JSON.stringify(value);

export interface UriSnippets {
  uri: string;
  kserve: string | null;
  python: string;
}

export function s3Snippets(
  bucket: string,
  path: string,
  isFolder: boolean,
  endpoint: string,
  region: string,
): UriSnippets {
  const uri = `s3://${bucket}/${path}`;
  const kserve = [
    'apiVersion: serving.kserve.io/v1beta1',
    'kind: InferenceService',
    'metadata:',
    `  name: ${serviceName(path || bucket)}`,
    'spec:',
    '  predictor:',
    '    # A service account whose secret holds the S3 keys and endpoint (a data connection).',
    '    serviceAccountName: sa-s3-connection',
    '    model:',
    '      modelFormat:',
    '        name: vLLM  # the format your ServingRuntime serves: onnx, pytorch, sklearn…',
    `      storageUri: ${uri}`,
    '',
  ].join('\n');
  const client = [
    'import os',
    '',
    'import boto3',
    'from botocore.config import Config',
    '',
    '# The keys come from the environment (a data connection sets them), never from this code.',
    's3 = boto3.client(',
    '    "s3",',
    ...(endpoint ? [`    endpoint_url=${py(endpoint)},`] : []),
    `    region_name=${py(region || 'us-east-1')},`,
    '    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],',
    '    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],',
    '    config=Config(s3={"addressing_style": "path"}),',
    ')',
  ];
  const use = isFolder
    ? [
        `for page in s3.get_paginator("list_objects_v2").paginate(Bucket=${py(bucket)}, Prefix=${py(path)}):`,
        '    for obj in page.get("Contents", []):',
        '        print(obj["Key"], obj["Size"])',
      ]
    : [
        `body = s3.get_object(Bucket=${py(bucket)}, Key=${py(path)})["Body"].read()`,
        `# or: s3.download_file(${py(bucket)}, ${py(path)}, ${py(path.split('/').pop() ?? path)})`,
      ];
  return { uri, kserve, python: [...client, '', ...use, ''].join('\n') };
}

export function localSnippets(root: string, path: string, isFolder: boolean): UriSnippets {
  const full = `${root.replace(/\/+$/, '')}/${path}`;
  const python = isFolder
    ? [
        'from pathlib import Path',
        '',
        `for item in sorted(Path(${py(full)}).rglob("*")):`,
        '    print(item)',
        '',
      ]
    : ['from pathlib import Path', '', `data = Path(${py(full)}).read_bytes()`, ''];
  return { uri: full, kserve: null, python: python.join('\n') };
}

function Snippet({ id, title, code }: { id: string; title: string; code: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(code).then(() => setCopied(true));
  };
  return (
    <div className="pf-v6-u-mb-md">
      <Title headingLevel="h3" size="md" className="pf-v6-u-mb-sm">
        {title}
      </Title>
      <CodeBlock
        actions={
          <CodeBlockAction>
            <ClipboardCopyButton
              id={`${id}-copy`}
              textId={`${id}-code`}
              aria-label={t.share.copyLabel(title)}
              onClick={copy}
              exitDelay={copied ? 1500 : 600}
              onTooltipHidden={() => setCopied(false)}
              variant="plain"
            >
              {copied ? t.share.copied : t.share.copy}
            </ClipboardCopyButton>
          </CodeBlockAction>
        }
      >
        <CodeBlockCode id={`${id}-code`} data-testid={id}>
          {code}
        </CodeBlockCode>
      </CodeBlock>
    </div>
  );
}

export function CopyUriModal({
  locationId,
  path,
  onClose,
}: {
  locationId: string;
  /** A file's key, or a folder's prefix (ending with '/'). */
  path: string;
  onClose: () => void;
}) {
  const [snippets, setSnippets] = useState<UriSnippets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isFolder = path.endsWith('/');
  const [kind, name] = locationId.match(/^([^:]+):(.*)$/)?.slice(1) ?? ['', ''];
  const display = path.replace(/\/+$/, '').split('/').pop() || name;

  useEffect(() => {
    let live = true;
    const built =
      kind === 's3'
        ? api.settings().then((s) => s3Snippets(name, path, isFolder, s.s3.endpoint, s.s3.region))
        : api.locations().then(({ locations }) => {
            const here = locations.find((l) => l.id === locationId);
            return localSnippets(here?.path ?? '', path, isFolder);
          });
    built.then(
      (s) => live && setSnippets(s),
      (err) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [kind, name, locationId, path, isFolder]);

  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="copy-uri-title">
      <ModalHeader title={t.share.uriTitle(display)} labelId="copy-uri-title" description={t.share.uriHelp} />
      <ModalBody>
        {error && <Alert isInline variant="danger" title={error} />}
        {!snippets && !error && <Spinner size="lg" aria-label={t.common.loading} />}
        {snippets && (
          <>
            <Snippet
              id="uri-plain"
              title={kind === 's3' ? t.share.s3Uri : t.share.localPath}
              code={snippets.uri}
            />
            {snippets.kserve ? (
              <Snippet id="uri-kserve" title={t.share.kserve} code={snippets.kserve} />
            ) : (
              <Content component="p" className="pf-v6-u-mb-md">
                {t.share.kserveLocal}
              </Content>
            )}
            <Snippet id="uri-python" title={t.share.python} code={snippets.python} />
          </>
        )}
      </ModalBody>
      <ModalActionsFooter dismissLabel={t.common.close} onDismiss={onClose} />
    </Modal>
  );
}
