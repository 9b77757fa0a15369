/**
 * Package a folder as a KServe ModelCar (an OCI image, one layer per file under /models) and push it
 * to a registry, as a transfer job: the files stream from their location into the registry.
 */
import { useState } from 'react';
import {
  Alert,
  Content,
  Form,
  FormGroup,
  Grid,
  Modal,
  ModalBody,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import type { ModelCarRequest } from '../../api/types';
import { useAppData } from '../../app/appData';
import { FieldHelper } from '../../app/FieldHelper';
import { ModalActionsFooter } from '../../app/ModalActionsFooter';
import { useStartTransfer } from '../../app/useStartTransfer';
import { useBusyAction } from '../../app/useBusyAction';
import { t } from '../../i18n/strings';
import { PatternField, patternsOf } from './PatternField';

/** Globs, one a line (commas also separate them), as the import and sync take them. */
export function ModelCarModal({
  locationId,
  sourcePrefix,
  sourceName,
  onClose,
}: {
  locationId: string;
  /** The folder to package ('' = the whole location). */
  sourcePrefix: string;
  /** How the folder is shown: `bucket/folder/`. */
  sourceName: string;
  onClose: () => void;
}) {
  const { settings } = useAppData();
  const startTransfer = useStartTransfer();
  const [image, setImage] = useState('');
  const [base, setBase] = useState('');
  const [modelsDir, setModelsDir] = useState('/models');
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [touched, setTouched] = useState(false);
  const { busy, error, run } = useBusyAction();
  const missing = !image.trim();

  const start = () => {
    setTouched(true);
    if (missing) return;
    const body: ModelCarRequest = {
      kind: 'modelcar',
      source: {
        location_id: locationId,
        prefix: sourcePrefix,
        include: patternsOf(include),
        exclude: patternsOf(exclude),
      },
      image: image.trim(),
      base: base.trim(),
      models_dir: modelsDir.trim() || '/models',
    };
    return run(async () => {
      await startTransfer(body, t.modelcar.started);
      onClose();
    });
  };

  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="modelcar-title">
      <ModalHeader title={t.modelcar.title(sourceName)} labelId="modelcar-title" />
      <ModalBody>
        <Content component="p" className="pf-v6-u-mb-md">
          {t.modelcar.intro}
        </Content>
        <Form
          id="modelcar-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          {error && <Alert isInline variant="danger" title={error} data-testid="modelcar-error" />}
          <FormGroup label={t.modelcar.image} fieldId="modelcar-image" isRequired>
            <TextInput
              id="modelcar-image"
              value={image}
              onChange={(_e, v) => setImage(v)}
              validated={touched && missing ? 'error' : 'default'}
              placeholder="quay.io/me/model:v1"
              isRequired
            />
            <FieldHelper
              problem={touched && missing ? t.modelcar.imageMissing : null}
              help={t.modelcar.imageHelp}
            />
          </FormGroup>
          <FormGroup label={t.modelcar.base} fieldId="modelcar-base">
            <TextInput id="modelcar-base" value={base} onChange={(_e, v) => setBase(v)} />
            <FieldHelper help={t.modelcar.baseHelp(settings?.registry.base_image ?? '')} />
          </FormGroup>
          <FormGroup label={t.modelcar.modelsDir} fieldId="modelcar-models-dir">
            <TextInput id="modelcar-models-dir" value={modelsDir} onChange={(_e, v) => setModelsDir(v)} />
            <FieldHelper help={t.modelcar.modelsDirHelp} />
          </FormGroup>
          <Grid hasGutter>
            <PatternField
              id="modelcar-include"
              label={t.modelcar.include}
              value={include}
              onChange={setInclude}
              rows={2}
            />
            <PatternField
              id="modelcar-exclude"
              label={t.modelcar.exclude}
              value={exclude}
              onChange={setExclude}
              rows={2}
              help={t.modelcar.patternsHelp}
            />
          </Grid>
        </Form>
      </ModalBody>
      <ModalActionsFooter
        submitLabel={t.modelcar.start}
        onSubmit={() => void start()}
        isSubmitDisabled={busy}
        isSubmitLoading={busy}
        onDismiss={onClose}
      />
    </Modal>
  );
}
