/** Where a copy, a move or an import goes: the location (where one may be picked) and the folder in it. */
import {
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  TextInput,
} from '@patternfly/react-core';
import { useAppData } from '../../app/appData';
import { locationLabel } from '../../app/jobText';
import { t } from '../../i18n/strings';

export function DestinationFields({
  folderId,
  folder,
  onFolderChange,
  location,
  warning,
}: {
  /** The id of the folder field. */
  folderId: string;
  folder: string;
  onFolderChange: (folder: string) => void;
  /** A location picker above the folder: its id, the location picked, and what a pick does. */
  location?: { fieldId: string; value: string; onChange: (id: string) => void };
  /** Said in place of the folder's help (`id` is the helper text's id and test id). */
  warning?: { id: string; text: string } | null;
}) {
  const { locations } = useAppData();
  return (
    <>
      {location && (
        <FormGroup label={t.copy.destination} fieldId={location.fieldId}>
          <FormSelect id={location.fieldId} value={location.value} onChange={(_e, v) => location.onChange(v)}>
            {(locations ?? []).map((l) => (
              <FormSelectOption
                key={l.id}
                value={l.id}
                label={`${locationLabel(l)} (${l.kind === 's3' ? 'S3' : 'local'})`}
                isDisabled={!l.available}
              />
            ))}
          </FormSelect>
        </FormGroup>
      )}
      <FormGroup label={t.copy.destinationPrefix} fieldId={folderId}>
        <TextInput id={folderId} value={folder} onChange={(_e, v) => onFolderChange(v)} />
        <FormHelperText>
          <HelperText>
            {warning ? (
              <HelperTextItem variant="warning" id={warning.id} data-testid={warning.id}>
                {warning.text}
              </HelperTextItem>
            ) : (
              <HelperTextItem>{t.copy.destinationHelp}</HelperTextItem>
            )}
          </HelperText>
        </FormHelperText>
      </FormGroup>
    </>
  );
}
