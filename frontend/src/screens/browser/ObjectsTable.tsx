/** The object table of the storage browser: folders then files, ticks, sorting, row menus, "load more". */
import { Alert, Button, Checkbox, Content, Flex, FlexItem, MenuToggle } from '@patternfly/react-core';
import { ActionsColumn, Table, Tbody, Td, Th, Thead, Tr, type ThProps } from '@patternfly/react-table';
import { EllipsisVIcon, FileIcon, FolderIcon } from '@patternfly/react-icons';
import { t } from '../../i18n/strings';
import { formatBytes, formatDate } from '../../utils/format';
import { COLUMNS, type Row } from './columns';
import { fileActions, folderActions, type RowHandlers } from './rowActions';
import type { ObjectListing } from './useObjectListing';
import type { Selection } from './useSelection';

export function ObjectsTable({
  rows,
  listing,
  selection,
  sortParams,
  handlers,
}: {
  rows: Row[];
  listing: ObjectListing;
  selection: Selection;
  sortParams: (index: number) => ThProps['sort'];
  handlers: RowHandlers;
}) {
  const { folders, files, nextToken, loadMore, loadingMore, loadError, containsText } = listing;
  return (
    <>
      <Table aria-label={t.browser.tableLabel} variant="compact" data-testid="object-table">
        <Thead>
          <Tr>
            <Th className="pf-v6-c-table__check" aria-label={t.browser.selectAll}>
              <Checkbox
                id="select-all"
                aria-label={t.browser.selectAll}
                isChecked={selection.allSelected ? true : selection.count ? null : false}
                onChange={(_e, checked) => selection.selectAll(checked)}
              />
            </Th>
            {COLUMNS.map((column) => (
              <Th
                key={column.index}
                sort={sortParams(column.index)}
                width={column.width}
                modifier={column.modifier}
              >
                {column.label}
              </Th>
            ))}
            <Th screenReaderText={t.common.actions} />
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((row, index) => (
            <Tr
              key={row.id}
              isRowSelected={selection.isSelected(row)}
              data-testid="object-row"
              data-name={row.name}
            >
              <Td className="pf-v6-c-table__check">
                <Checkbox
                  id={`select-${index}`}
                  aria-label={t.browser.selectRow(row.name)}
                  isChecked={selection.isSelected(row)}
                  onChange={(event, checked) =>
                    selection.toggleRow(index, checked, (event.nativeEvent as MouseEvent).shiftKey === true)
                  }
                />
              </Td>
              <Td dataLabel={t.common.name}>
                <span className="odh-tec-name-cell">
                  {row.type === 'folder' ? (
                    <FolderIcon aria-label={t.browser.folder} />
                  ) : (
                    <FileIcon aria-label={t.browser.file} />
                  )}
                  <Button
                    variant="link"
                    isInline
                    onClick={() =>
                      row.type === 'folder'
                        ? handlers.openFolder(row.folder.prefix)
                        : handlers.openDialog({ kind: 'preview', key: row.file.key })
                    }
                  >
                    {row.name}
                  </Button>
                </span>
              </Td>
              <Td dataLabel={t.common.size} modifier="nowrap">
                {row.type === 'file' ? formatBytes(row.file.size) : '—'}
              </Td>
              <Td dataLabel={t.common.lastModified} modifier="nowrap">
                {row.type === 'file' ? formatDate(row.file.last_modified) : '—'}
              </Td>
              <Td isActionCell>
                <ActionsColumn
                  items={
                    row.type === 'folder'
                      ? folderActions(row.folder, handlers)
                      : fileActions(row.file, handlers)
                  }
                  actionsToggle={({ onToggle, isOpen, isDisabled, toggleRef }) => (
                    <MenuToggle
                      ref={toggleRef}
                      variant="plain"
                      onClick={onToggle}
                      isExpanded={isOpen}
                      isDisabled={isDisabled}
                      aria-label={t.browser.rowActions(row.name)}
                      icon={<EllipsisVIcon />}
                    />
                  )}
                />
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <Flex
        className="pf-v6-u-mt-md"
        alignItems={{ default: 'alignItemsCenter' }}
        justifyContent={{ default: 'justifyContentSpaceBetween' }}
      >
        <FlexItem>
          <Content component="small" data-testid="loaded-count">
            {containsText
              ? t.browser.containsNote(folders.length + files.length)
              : t.browser.loadedCount(folders.length + files.length, !!nextToken)}
          </Content>
        </FlexItem>
        {nextToken && (
          <FlexItem>
            <Button variant="secondary" onClick={loadMore} isLoading={loadingMore} isDisabled={loadingMore}>
              {t.browser.loadMore}
            </Button>
          </FlexItem>
        )}
      </Flex>
      {loadError && <Alert isInline variant="danger" title={loadError} className="pf-v6-u-mt-md" />}
    </>
  );
}
