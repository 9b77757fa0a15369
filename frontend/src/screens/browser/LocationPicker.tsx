/** Pick an S3 bucket or a local folder; buckets the keys cannot list can be opened by name. */
import { useState } from 'react';
import {
  Button,
  Divider,
  Form,
  FormGroup,
  Label,
  MenuFooter,
  MenuToggle,
  Modal,
  ModalBody,
  ModalHeader,
  Select,
  SelectGroup,
  SelectList,
  SelectOption,
  TextInput,
} from '@patternfly/react-core';
import { DatabaseIcon, FolderIcon } from '@patternfly/react-icons';
import type { Location } from '../../api/types';
import { useAppData } from '../../app/appData';
import { FieldHelper } from '../../app/FieldHelper';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { t } from '../../i18n/strings';
import { locationLabel } from '../../app/jobText';
import { CreateBucketModal } from '../buckets/BucketsPage';

export function LocationPicker({
  locations,
  current,
  onChange,
}: {
  locations: Location[];
  current: string | undefined;
  onChange: (id: string) => void;
}) {
  const { refreshLocations } = useAppData();
  const [open, setOpen] = useState(false);
  const [askName, setAskName] = useState(false);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const selected = locations.find((l) => l.id === current);
  const label = selected
    ? locationLabel(selected)
    : (current?.replace(/^s3:/, '') ?? t.browser.selectLocation);
  const isS3 = (selected?.kind ?? (current?.startsWith('s3:') ? 's3' : 'local')) === 's3';
  const option = (l: Location) => (
    <SelectOption
      key={l.id}
      value={l.id}
      isDisabled={!l.available}
      icon={l.kind === 's3' ? <DatabaseIcon /> : <FolderIcon />}
      description={l.kind === 'local' ? l.path : undefined}
    >
      {l.name}
      {l.default && (
        <>
          {' '}
          <Label isCompact color="blue">
            {t.browser.default}
          </Label>
        </>
      )}
      {!l.available && ` (${t.browser.unavailable})`}
    </SelectOption>
  );
  const s3 = locations.filter((l) => l.kind === 's3');
  const local = locations.filter((l) => l.kind === 'local');
  // One group per S3 connection: the default one first (as before), then the named ones.
  const connections = [...new Set(s3.map((l) => l.connection ?? 'default'))].sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b),
  );
  const groupLabel = (name: string) =>
    name === 'default' ? t.browser.s3Group : t.browser.s3ConnectionGroup(name);
  return (
    <>
      <Select
        isOpen={open}
        selected={current}
        onOpenChange={setOpen}
        onSelect={(_e, value) => {
          setOpen(false);
          if (typeof value === 'string') onChange(value);
        }}
        maxMenuHeight="60vh"
        isScrollable
        toggle={(ref) => (
          <MenuToggle
            ref={ref}
            onClick={() => setOpen(!open)}
            isExpanded={open}
            icon={isS3 ? <DatabaseIcon /> : <FolderIcon />}
            aria-label={`${t.browser.location}: ${label}`}
            style={{ minWidth: '14rem' }}
            data-testid="location-picker"
          >
            {label}
          </MenuToggle>
        )}
      >
        {connections.map((name, index) => (
          <div key={name} data-testid="location-group" data-connection={name}>
            {index > 0 && <Divider />}
            <SelectGroup label={groupLabel(name)}>
              <SelectList aria-label={groupLabel(name)}>
                {s3.filter((l) => (l.connection ?? 'default') === name).map(option)}
              </SelectList>
            </SelectGroup>
          </div>
        ))}
        {s3.length > 0 && local.length > 0 && <Divider />}
        {local.length > 0 && (
          <SelectGroup label={t.browser.localGroup}>
            <SelectList aria-label={t.browser.localGroup}>{local.map(option)}</SelectList>
          </SelectGroup>
        )}
        <MenuFooter>
          {s3.length === 0 && (
            // No bucket to pick: offer to make one (then open it).
            <div className="odh-tec-picker-create">
              <span>{t.browser.noBuckets}</span>{' '}
              <Button
                variant="link"
                isInline
                onClick={() => {
                  setOpen(false);
                  setCreating(true);
                }}
              >
                {t.browser.createBucket}
              </Button>
            </div>
          )}
          <Button
            variant="link"
            isInline
            onClick={() => {
              setOpen(false);
              setAskName(true);
            }}
          >
            {t.browser.openBucket}
          </Button>
        </MenuFooter>
      </Select>
      {creating && (
        <CreateBucketModal
          existing={[]}
          onClose={() => setCreating(false)}
          onCreated={(bucket) => {
            void refreshLocations();
            onChange(`s3:${bucket}`);
          }}
        />
      )}
      {askName && (
        <Modal isOpen variant="small" onClose={() => setAskName(false)} aria-labelledby="open-bucket-title">
          <ModalHeader title={t.browser.openBucket} labelId="open-bucket-title" />
          <ModalBody>
            <Form
              id="open-bucket-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (name.trim()) {
                  setAskName(false);
                  onChange(`s3:${name.trim()}`);
                }
              }}
            >
              <FormGroup label={t.browser.bucketName} fieldId="open-bucket-name" isRequired>
                <TextInput id="open-bucket-name" value={name} onChange={(_e, v) => setName(v)} autoFocus />
                <FieldHelper help={t.browser.openBucketHelp} />
              </FormGroup>
            </Form>
          </ModalBody>
          <ModalActionsFooter
            submitLabel={t.browser.open}
            form="open-bucket-form"
            isSubmitDisabled={!name.trim()}
            onDismiss={() => setAskName(false)}
          />
        </Modal>
      )}
    </>
  );
}
