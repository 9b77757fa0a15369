/** A form field's helper line: the problem in red where there is one, else the help text. */
import type { ReactNode } from 'react';
import { FormHelperText, HelperText, HelperTextItem } from '@patternfly/react-core';

export function FieldHelper({
  problem,
  help,
  testId,
}: {
  problem?: string | null;
  help?: ReactNode;
  testId?: string;
}) {
  if (!problem && !help) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={problem ? 'error' : 'default'} data-testid={testId}>
          {problem ?? help}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}
