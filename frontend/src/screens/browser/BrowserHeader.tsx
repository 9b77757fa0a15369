/** The top of the storage browser: the title, the location picker, and the breadcrumb of the open folder. */
import { Breadcrumb, BreadcrumbItem, Flex, FlexItem, PageSection, Title } from '@patternfly/react-core';
import { Link } from 'react-router-dom';
import type { Location } from '../../api/types';
import { t } from '../../i18n/strings';
import { LocationPicker } from './LocationPicker';

export function BrowserHeader({
  locations,
  locationId,
  locationName,
  prefix,
  onPick,
}: {
  locations: Location[];
  locationId: string;
  locationName: string;
  prefix: string;
  onPick: (id: string) => void;
}) {
  const segments = prefix.split('/').filter(Boolean);
  return (
    <PageSection>
      <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsMd' }}>
        <FlexItem>
          <Title headingLevel="h1">{t.browser.title}</Title>
        </FlexItem>
        <FlexItem>
          <LocationPicker locations={locations} current={locationId} onChange={onPick} />
        </FlexItem>
      </Flex>
      <Breadcrumb aria-label={t.browser.breadcrumb} className="pf-v6-u-mt-md">
        <BreadcrumbItem
          isActive={segments.length === 0}
          render={({ className, ariaCurrent }) =>
            segments.length === 0 ? (
              <span className={className} aria-current={ariaCurrent}>
                {locationName}
              </span>
            ) : (
              <Link className={className} to={`/browse/${encodeURIComponent(locationId)}`}>
                {locationName}
              </Link>
            )
          }
        />
        {segments.map((segment, i) => {
          const target = `${segments.slice(0, i + 1).join('/')}/`;
          const last = i === segments.length - 1;
          return (
            <BreadcrumbItem
              key={target}
              isActive={last}
              render={({ className, ariaCurrent }) =>
                last ? (
                  <span className={className} aria-current={ariaCurrent}>
                    {segment}
                  </span>
                ) : (
                  <Link
                    className={className}
                    to={`/browse/${encodeURIComponent(locationId)}?prefix=${encodeURIComponent(target)}`}
                  >
                    {segment}
                  </Link>
                )
              }
            />
          );
        })}
      </Breadcrumb>
    </PageSection>
  );
}
