/** One half of the include/exclude pair of the Hugging Face import and of sync: globs, one a line. */
import { FormGroup, GridItem, TextArea } from '@patternfly/react-core';
import { FieldHelper } from '../../app/FieldHelper';

export function PatternField({
  id,
  label,
  value,
  onChange,
  help,
  rows = 3,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  help?: string;
  rows?: number;
}) {
  return (
    <GridItem md={6}>
      <FormGroup label={label} fieldId={id}>
        <TextArea
          id={id}
          value={value}
          onChange={(_e, v) => onChange(v)}
          rows={rows}
          resizeOrientation="vertical"
        />
        <FieldHelper help={help} />
      </FormGroup>
    </GridItem>
  );
}

/** The globs typed in a PatternField: one a line (commas also separate them), blanks dropped. */
export const patternsOf = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
