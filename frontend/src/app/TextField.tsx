/** A labelled text input with its helper line below (the problem in red, else the help). */
import type { ReactNode } from 'react';
import { FormGroup, TextInput, type TextInputProps } from '@patternfly/react-core';
import { FieldHelper } from './FieldHelper';

export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem?: string | null;
  help?: ReactNode;
  helpTestId?: string;
  isRequired?: boolean;
  /** Shows an acceptable value as such (green), not only a wrong one. */
  valid?: boolean;
}

/** Other TextInput props (type, placeholder, autoFocus, autoComplete...) go to the input as they are. */
export function TextField({
  id,
  label,
  value,
  onChange,
  problem,
  help,
  helpTestId,
  isRequired,
  valid = false,
  ...input
}: TextFieldProps & Omit<TextInputProps, keyof TextFieldProps | 'validated'>) {
  return (
    <FormGroup label={label} isRequired={isRequired} fieldId={id}>
      <TextInput
        id={id}
        value={value}
        onChange={(_e, v) => onChange(v)}
        validated={problem ? 'error' : valid ? 'success' : 'default'}
        isRequired={isRequired}
        {...input}
      />
      <FieldHelper problem={problem} help={help} testId={helpTestId} />
    </FormGroup>
  );
}
