/** A form field's helper line: the problem in red where there is one, else the help text. */
import { FormHelperText, HelperText, HelperTextItem } from '@patternfly/react-core';

export function Helper({ problem, help }: { problem?: string; help?: string }) {
  if (!problem && !help) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={problem ? 'error' : 'default'}>{problem ?? help}</HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}
