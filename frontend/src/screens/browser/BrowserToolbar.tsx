/** The storage browser's toolbar: search, the folder's actions, and (with rows ticked) the selection's. */
import {
  Button,
  FormSelect,
  FormSelectOption,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { FolderOpenIcon, PlusIcon, SyncAltIcon, UploadIcon } from '@patternfly/react-icons';
import { api } from '../../api/client';
import { useUploads } from '../../app/uploads';
import { t } from '../../i18n/strings';
import type { Dialog } from './BrowserDialogs';
import { triggerDownload } from './rowActions';
import type { ObjectListing, SearchMode } from './useObjectListing';
import type { Selection } from './useSelection';

export function BrowserToolbar({
  locationId,
  prefix,
  listing,
  selection,
  disabled,
  onUploadFiles,
  onUploadFolder,
  openDialog,
}: {
  locationId: string;
  /** The open folder ('' = the top level). */
  prefix: string;
  listing: ObjectListing;
  selection: Selection;
  /** The location is unavailable or the listing failed: nothing to search or add to. */
  disabled: boolean;
  onUploadFiles: () => void;
  onUploadFolder: () => void;
  openDialog: (dialog: Dialog) => void;
}) {
  const uploadItems = useUploads();
  const activeUploads = uploadItems.filter((i) => i.state === 'uploading' || i.state === 'queued').length;
  const { keys, prefixes } = selection;
  return (
    <Toolbar aria-label={t.browser.toolbarLabel} inset={{ default: 'insetNone' }}>
      <ToolbarContent>
        <ToolbarGroup variant="filter-group">
          <ToolbarItem>
            <FormSelect
              id="search-mode"
              aria-label={t.browser.searchModeLabel}
              value={listing.searchMode}
              onChange={(_e, v) => listing.setSearchMode(v as SearchMode)}
              style={{ width: '13rem' }}
            >
              <FormSelectOption value="prefix" label={t.browser.startsWith} />
              <FormSelectOption value="contains" label={t.browser.contains} />
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <SearchInput
              aria-label={t.browser.search}
              placeholder={t.browser.search}
              value={listing.searchText}
              onChange={(_e, v) => listing.setSearchText(v)}
              onClear={() => listing.setSearchText('')}
              isDisabled={disabled}
              style={{ minWidth: '16rem' }}
            />
          </ToolbarItem>
        </ToolbarGroup>
        {/* Wraps at narrow widths: five buttons do not fit 800 px on one line. */}
        <ToolbarGroup variant="action-group" rowWrap={{ default: 'wrap' }}>
          <ToolbarItem>
            <Button icon={<UploadIcon />} onClick={onUploadFiles} isDisabled={disabled}>
              {t.browser.uploadFiles}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              icon={<FolderOpenIcon />}
              onClick={onUploadFolder}
              isDisabled={disabled}
            >
              {t.browser.uploadFolder}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              icon={<PlusIcon />}
              onClick={() => openDialog({ kind: 'folder' })}
              isDisabled={disabled}
            >
              {t.browser.createFolder}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button variant="secondary" onClick={() => openDialog({ kind: 'hf' })} isDisabled={disabled}>
              {t.browser.hfImport}
            </Button>
          </ToolbarItem>
          <ToolbarItem>
            <Button
              variant="secondary"
              onClick={() => openDialog({ kind: 'sync', prefix })}
              isDisabled={disabled}
              data-testid="sync-folder"
            >
              {t.browser.sync}
            </Button>
          </ToolbarItem>
          {uploadItems.length > 0 && (
            <ToolbarItem>
              <Button
                variant="link"
                onClick={() => openDialog({ kind: 'uploads' })}
                data-testid="uploads-button"
              >
                {t.uploads.button(activeUploads)}
              </Button>
            </ToolbarItem>
          )}
        </ToolbarGroup>
        <ToolbarGroup variant="action-group-plain" align={{ default: 'alignEnd' }}>
          <ToolbarItem>
            <Button
              variant="plain"
              aria-label={t.common.refresh}
              icon={<SyncAltIcon />}
              onClick={listing.reload}
            />
          </ToolbarItem>
        </ToolbarGroup>
      </ToolbarContent>
      {selection.count > 0 && (
        <ToolbarContent>
          <ToolbarGroup variant="action-group">
            <ToolbarItem alignSelf="center">
              <strong data-testid="selection-count">
                {t.browser.selected(keys.length, prefixes.length)}
              </strong>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="secondary"
                onClick={() => triggerDownload(api.zipUrl(locationId, prefixes, keys))}
              >
                {t.browser.downloadZip}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button variant="secondary" onClick={() => openDialog({ kind: 'copy', keys, prefixes })}>
                {t.browser.copyTo}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button
                variant="danger"
                onClick={() => openDialog({ kind: 'delete', target: { keys, prefixes } })}
              >
                {t.common.delete}
              </Button>
            </ToolbarItem>
            <ToolbarItem>
              <Button variant="link" onClick={selection.clear}>
                {t.browser.clearSelection}
              </Button>
            </ToolbarItem>
          </ToolbarGroup>
        </ToolbarContent>
      )}
    </Toolbar>
  );
}
