/** Placeholder: the VRAM estimator page (replaced by its own issue). */
import { EmptyState, EmptyStateBody, PageSection, Title } from '@patternfly/react-core';
import { CubesIcon } from '@patternfly/react-icons';
import { t } from '../../i18n/strings';

export default function VramPage() {
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">{t.vram.title}</Title>
      </PageSection>
      <PageSection>
        <EmptyState titleText={t.vram.coming} headingLevel="h2" icon={CubesIcon}>
          <EmptyStateBody>{t.vram.comingBody}</EmptyStateBody>
        </EmptyState>
      </PageSection>
    </>
  );
}
