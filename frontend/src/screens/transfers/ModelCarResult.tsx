/** A ModelCar job's result in its expanded row: the pushed image with its digest, and what KServe needs. */
import {
  ClipboardCopy,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
} from '@patternfly/react-core';
import type { ModelCarInfo } from '../../api/types';
import { t } from '../../i18n/strings';

export function ModelCarResult({ info }: { info: ModelCarInfo }) {
  if (!info.reference || !info.storage_uri) return null; // not pushed (yet): the tag comes last
  return (
    <>
      <DescriptionListGroup>
        <DescriptionListTerm>{t.modelcar.reference}</DescriptionListTerm>
        <DescriptionListDescription className="odh-tec-mono" data-testid="modelcar-reference">
          {info.reference}
          {info.layers != null && info.layers_sent != null && (
            <div>
              <small>{t.modelcar.layers(info.layers_sent, info.layers)}</small>
            </div>
          )}
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t.modelcar.storageUri}</DescriptionListTerm>
        <DescriptionListDescription>
          <ClipboardCopy
            isReadOnly
            hoverTip={t.modelcar.copy}
            clickTip={t.modelcar.copied}
            textAriaLabel={t.modelcar.storageUri}
            data-testid="modelcar-storage-uri"
          >
            {`storageUri: ${info.storage_uri}`}
          </ClipboardCopy>
        </DescriptionListDescription>
      </DescriptionListGroup>
      {info.inference_service && (
        <DescriptionListGroup>
          <DescriptionListTerm>{t.modelcar.inferenceService}</DescriptionListTerm>
          <DescriptionListDescription>
            <ClipboardCopy
              isReadOnly
              isCode
              variant="expansion"
              hoverTip={t.modelcar.copy}
              clickTip={t.modelcar.copied}
              textAriaLabel={t.modelcar.inferenceService}
              data-testid="modelcar-inference-service"
            >
              {info.inference_service}
            </ClipboardCopy>
          </DescriptionListDescription>
        </DescriptionListGroup>
      )}
    </>
  );
}
