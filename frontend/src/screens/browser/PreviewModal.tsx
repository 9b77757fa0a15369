/** Preview of one object: text/code (highlighted), JSON, tables (CSV/TSV/JSONL), Parquet, images. */
import { useMemo, useState } from 'react';
import {
  Alert,
  Bullseye,
  CodeBlock,
  CodeBlockCode,
  EmptyState,
  EmptyStateBody,
  Label,
  Modal,
  ModalBody,
  ModalHeader,
  Spinner,
  Stack,
  StackItem,
  Tab,
  Tabs,
  TabTitleText,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { FileIcon } from '@patternfly/react-icons';
import { api } from '../../api/client';
import type { Preview } from '../../api/types';
import { FileModalFooter, useFileLoad, type FileModalProps } from './modals';
import { t } from '../../i18n/strings';
import { formatBytes } from '../../utils/format';
import { highlight } from '../../utils/highlight';

type Cell = string | number | boolean | null;

function DataTable({ label, columns, rows }: { label: string; columns: string[]; rows: Cell[][] }) {
  return (
    <div className="odh-tec-scroll" tabIndex={0} role="region" aria-label={label}>
      <Table aria-label={label} variant="compact" isStickyHeader gridBreakPoint="">
        <Thead>
          <Tr>
            <Th modifier="fitContent" aria-label="#">
              #
            </Th>
            {columns.map((c, i) => (
              <Th key={i} modifier="nowrap">
                {c}
              </Th>
            ))}
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((row, r) => (
            <Tr key={r}>
              <Td dataLabel="#" modifier="fitContent" className="pf-v6-u-text-color-subtle">
                {r + 1}
              </Td>
              {row.map((cell, c) => (
                <Td key={c} dataLabel={columns[c]} className="odh-tec-cell">
                  {cell === null ? <span className="pf-v6-u-text-color-subtle">null</span> : String(cell)}
                </Td>
              ))}
            </Tr>
          ))}
        </Tbody>
      </Table>
    </div>
  );
}

function CodeView({ text, language }: { text: string; language: string }) {
  const nodes = useMemo(() => highlight(text, language), [text, language]);
  return (
    <div className="odh-tec-code" tabIndex={0} role="region" aria-label={t.preview.language(language)}>
      <CodeBlock>
        <CodeBlockCode>{nodes}</CodeBlockCode>
      </CodeBlock>
    </div>
  );
}

function PreviewBody({ preview, locationId }: { preview: Preview; locationId: string }) {
  const [tab, setTab] = useState<string | number>('rows');
  switch (preview.kind) {
    case 'text':
    case 'json':
      return (
        <Stack hasGutter>
          <StackItem>
            <Label isCompact>{t.preview.language(preview.language)}</Label>
          </StackItem>
          {preview.truncated && (
            <StackItem>
              <Alert
                isInline
                isPlain
                variant="info"
                title={t.preview.truncatedText(
                  formatBytes(preview.bytes_shown ?? preview.text.length),
                  formatBytes(preview.size),
                )}
              />
            </StackItem>
          )}
          <StackItem>
            <CodeView text={preview.text} language={preview.language} />
          </StackItem>
        </Stack>
      );
    case 'table':
      return (
        <Stack hasGutter>
          {preview.truncated && (
            <StackItem>
              <Alert isInline isPlain variant="info" title={t.preview.truncatedRows(preview.rows.length)} />
            </StackItem>
          )}
          <StackItem>
            <DataTable
              label={t.preview.tableLabel(preview.name)}
              columns={preview.columns}
              rows={preview.rows}
            />
          </StackItem>
        </Stack>
      );
    case 'parquet':
      return (
        <Stack hasGutter>
          <StackItem>
            <Alert
              isInline
              isPlain
              variant="info"
              title={t.preview.parquetRows(preview.rows.length, preview.num_rows, preview.num_row_groups)}
            >
              {t.preview.bytesRead(formatBytes(preview.bytes_read))}
              {preview.note ? ` ${preview.note}` : ''}
            </Alert>
          </StackItem>
          <StackItem>
            <Tabs activeKey={tab} onSelect={(_e, key) => setTab(key)} aria-label={preview.name}>
              <Tab eventKey="rows" title={<TabTitleText>{t.preview.rows}</TabTitleText>}>
                <DataTable
                  label={t.preview.tableLabel(preview.name)}
                  columns={preview.columns}
                  rows={preview.rows}
                />
              </Tab>
              <Tab eventKey="schema" title={<TabTitleText>{t.preview.schema}</TabTitleText>}>
                <DataTable
                  label={t.preview.schemaLabel(preview.name)}
                  columns={[t.preview.column, t.preview.type, t.preview.nullable]}
                  rows={preview.schema.map((f) => [f.name, f.type, f.nullable ? t.common.yes : t.common.no])}
                />
              </Tab>
            </Tabs>
          </StackItem>
        </Stack>
      );
    case 'image':
      return (
        <img
          className="odh-tec-preview-image"
          src={api.previewRawUrl(locationId, preview.key)}
          alt={t.preview.imageAlt(preview.name)}
        />
      );
    default:
      return (
        <EmptyState titleText={t.preview.noPreview} headingLevel="h2" icon={FileIcon}>
          <EmptyStateBody>{t.preview.noPreviewBody}</EmptyStateBody>
        </EmptyState>
      );
  }
}

export function PreviewModal(props: FileModalProps) {
  const { locationId, fileKey, onClose } = props;
  const {
    data: preview,
    error,
    name,
  } = useFileLoad((signal) => api.preview(locationId, fileKey, signal), props);
  return (
    <Modal isOpen variant="large" onClose={onClose} aria-labelledby="preview-title">
      <ModalHeader title={t.preview.title(name)} labelId="preview-title" />
      <ModalBody>
        {error && <Alert isInline variant="danger" title={error} />}
        {!preview && !error && (
          <Bullseye>
            <Spinner size="xl" aria-label={t.common.loading} />
          </Bullseye>
        )}
        {preview && <PreviewBody preview={preview} locationId={locationId} />}
      </ModalBody>
      <FileModalFooter locationId={locationId} fileKey={fileKey} name={name} onClose={onClose} />
    </Modal>
  );
}
