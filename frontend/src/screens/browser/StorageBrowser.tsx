/** The storage browser: S3 buckets and local folders, one table of folders then files. */
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Alert, PageSection } from '@patternfly/react-core';
import { useAppData } from '../../app/appData';
import { useUploadManager, type PendingFile } from '../../app/uploads';
import { t } from '../../i18n/strings';
import { BrowserDialogs, type Dialog } from './BrowserDialogs';
import { BrowserHeader } from './BrowserHeader';
import { BrowserToolbar } from './BrowserToolbar';
import { useSortedRows } from './columns';
import { ListingBody, LocationsLoading, NoLocations } from './ListingBody';
import type { RowHandlers } from './rowActions';
import { UploadDropzone, useUploadInputs } from './UploadDropzone';
import { useGoneNotice } from './useJobRefresh';
import { useObjectListing } from './useObjectListing';
import { useSelection } from './useSelection';

export default function StorageBrowser() {
  const { locationId } = useParams();
  const [params] = useSearchParams();
  const prefix = params.get('prefix') ?? '';
  const navigate = useNavigate();
  const { locations, locationsError, settings } = useAppData();
  const uploads = useUploadManager();
  const [dialog, setDialog] = useState<Dialog>(null);
  const inputs = useUploadInputs();

  const listing = useObjectListing(locationId, prefix, settings?.transfers.max_files_per_page);
  const { rows, sortParams } = useSortedRows(listing.folders, listing.files, listing.containsText);
  const selection = useSelection(rows, { locationId, prefix, search: listing.serverSearch }, !!dialog);

  const location = locations?.find((l) => l.id === locationId);
  const locationName = location?.name ?? locationId?.replace(/^[a-z0-9]+:/, '') ?? '';

  const go = useCallback(
    (id: string, newPrefix = '') =>
      navigate({
        pathname: `/browse/${encodeURIComponent(id)}`,
        search: newPrefix ? `?prefix=${encodeURIComponent(newPrefix)}` : '',
      }),
    [navigate],
  );
  const goneNotice = useGoneNotice(listing.reload);
  const gone = (path: string) => {
    setDialog(null);
    goneNotice(path);
  };

  // No location in the URL: open the default one (or the first available).
  useEffect(() => {
    if (locationId || !locations?.length) return;
    const pick = locations.find((l) => l.default && l.available) ?? locations.find((l) => l.available);
    if (pick) navigate(`/browse/${encodeURIComponent(pick.id)}`, { replace: true });
  }, [locationId, locations, navigate]);

  const addUploads = (pending: PendingFile[]) => {
    if (!locationId || !pending.length) return;
    uploads.add(pending, locationId, prefix);
    setDialog({ kind: 'uploads' });
  };

  if (locations === null) return <LocationsLoading />;
  if (!locationId) return <NoLocations error={locationsError} />;

  const unavailable = location?.available === false;
  const handlers: RowHandlers = {
    locationId,
    openFolder: (folderPrefix) => go(locationId, folderPrefix),
    openDialog: setDialog,
  };

  return (
    <>
      <BrowserHeader
        locations={locations}
        locationId={locationId}
        locationName={locationName}
        prefix={prefix}
        onPick={(id) => go(id)}
      />
      <PageSection isFilled>
        <UploadDropzone
          canDrop={!unavailable}
          onFiles={addUploads}
          fileInput={inputs.fileInput}
          folderInput={inputs.folderInput}
        >
          <BrowserToolbar
            locationId={locationId}
            prefix={prefix}
            listing={listing}
            selection={selection}
            disabled={unavailable || !!listing.loadError}
            onUploadFiles={inputs.pickFiles}
            onUploadFolder={inputs.pickFolder}
            openDialog={setDialog}
          />
          {listing.searchProblem && (
            <Alert
              isInline
              isPlain
              variant="warning"
              title={t.browser.searchSlash}
              className="pf-v6-u-mb-sm"
            />
          )}
          <ListingBody
            unavailableText={
              unavailable ? `${location?.path ?? locationName}: ${t.browser.unavailable}` : null
            }
            listing={listing}
            rows={rows}
            selection={selection}
            sortParams={sortParams}
            handlers={handlers}
            onUploadFiles={inputs.pickFiles}
          />
        </UploadDropzone>
      </PageSection>
      <BrowserDialogs
        dialog={dialog}
        locationId={locationId}
        locationName={locationName}
        prefix={prefix}
        folders={listing.folders}
        files={listing.files}
        onClose={() => setDialog(null)}
        reload={listing.reload}
        clearSelection={selection.clear}
        gone={gone}
      />
    </>
  );
}
