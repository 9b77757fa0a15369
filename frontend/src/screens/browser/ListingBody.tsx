/**
 * What the storage browser shows under its toolbar (the location unavailable, the listing failed, loading,
 * an empty folder or no match, else the table), and the page before any location is open.
 */
import {
  Bullseye,
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  PageSection,
  Spinner,
  Title,
} from '@patternfly/react-core';
import type { ThProps } from '@patternfly/react-table';
import { CubesIcon, ExclamationCircleIcon, FolderOpenIcon, SearchIcon } from '@patternfly/react-icons';
import { useNavigate } from 'react-router-dom';
import { t } from '../../i18n/strings';
import type { Row } from './columns';
import { ObjectsTable } from './ObjectsTable';
import type { RowHandlers } from './rowActions';
import type { ObjectListing } from './useObjectListing';
import type { Selection } from './useSelection';

/** The locations are not known yet. */
export function LocationsLoading() {
  return (
    <PageSection>
      <Bullseye>
        <Spinner aria-label={t.common.loading} />
      </Bullseye>
    </PageSection>
  );
}

/** No location to open: point to where one is made. */
export function NoLocations({ error }: { error: string | null }) {
  const navigate = useNavigate();
  return (
    <PageSection>
      <Title headingLevel="h1">{t.browser.title}</Title>
      <EmptyState
        titleText={t.browser.noLocations}
        headingLevel="h2"
        icon={CubesIcon}
        status={error ? 'danger' : undefined}
      >
        <EmptyStateBody>{error ?? t.browser.noLocationsBody}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="primary" onClick={() => navigate('/buckets')}>
              {t.browser.goToBuckets}
            </Button>
            <Button variant="link" onClick={() => navigate('/settings')}>
              {t.browser.goToSettings}
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      </EmptyState>
    </PageSection>
  );
}

export function ListingBody({
  unavailableText,
  listing,
  rows,
  selection,
  sortParams,
  handlers,
  onUploadFiles,
}: {
  /** Set when the location is unavailable: what to say. */
  unavailableText: string | null;
  listing: ObjectListing;
  rows: Row[];
  selection: Selection;
  sortParams: (index: number) => ThProps['sort'];
  handlers: RowHandlers;
  onUploadFiles: () => void;
}) {
  const { loadError, loading, searchText, nextToken, loadMore, loadingMore } = listing;
  if (unavailableText !== null) {
    return (
      <EmptyState titleText={t.browser.loadError} headingLevel="h2" status="warning">
        <EmptyStateBody>{unavailableText}</EmptyStateBody>
      </EmptyState>
    );
  }
  if (loadError && !rows.length) {
    return (
      <EmptyState
        titleText={t.browser.loadError}
        headingLevel="h2"
        icon={ExclamationCircleIcon}
        status="danger"
      >
        <EmptyStateBody data-testid="load-error">{loadError}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="primary" onClick={listing.reload}>
              {t.common.retry}
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      </EmptyState>
    );
  }
  if (loading) {
    return (
      <Bullseye className="pf-v6-u-p-xl">
        <Spinner aria-label={t.common.loading} />
      </Bullseye>
    );
  }
  if (!rows.length) {
    const searching = !!searchText;
    return (
      <EmptyState
        titleText={searching ? t.browser.noMatches : t.browser.emptyFolder}
        headingLevel="h2"
        icon={searching ? SearchIcon : FolderOpenIcon}
      >
        <EmptyStateBody>{searching ? t.browser.noMatchesBody : t.browser.emptyFolderBody}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            {searching ? (
              <Button variant="link" onClick={() => listing.setSearchText('')}>
                {t.browser.clearSearch}
              </Button>
            ) : (
              <>
                <Button onClick={onUploadFiles}>{t.browser.uploadFiles}</Button>
                <Button variant="secondary" onClick={() => handlers.openDialog({ kind: 'folder' })}>
                  {t.browser.createFolder}
                </Button>
              </>
            )}
          </EmptyStateActions>
          {searching && nextToken && (
            <EmptyStateActions>
              <Button variant="secondary" onClick={loadMore} isLoading={loadingMore}>
                {t.browser.loadMore}
              </Button>
            </EmptyStateActions>
          )}
        </EmptyStateFooter>
      </EmptyState>
    );
  }
  return (
    <ObjectsTable
      rows={rows}
      listing={listing}
      selection={selection}
      sortParams={sortParams}
      handlers={handlers}
    />
  );
}
