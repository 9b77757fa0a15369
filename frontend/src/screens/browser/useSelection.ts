/**
 * The rows ticked in the object table: one row, or with Shift a range from the last row clicked; Escape (with
 * no dialog open) and any change of the folder or of the server-side search clear it.
 */
import { useEffect, useRef, useState } from 'react';
import type { Row } from './columns';

/** Where the rows come from: a change of any of these clears the selection. */
interface Scope {
  locationId: string | undefined;
  prefix: string;
  search: string;
}

export function useSelection(rows: Row[], { locationId, prefix, search }: Scope, dialogOpen: boolean) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const lastClicked = useRef<number | null>(null);

  // Navigation (and a new server-side search) clears the selection.
  useEffect(() => {
    setSelected(new Set());
    lastClicked.current = null;
  }, [locationId, prefix, search]);

  // Keyboard: Escape clears the selection.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !dialogOpen && selected.size) setSelected(new Set());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialogOpen, selected.size]);

  const toggleRow = (index: number, checked: boolean, shift: boolean) => {
    setSelected((old) => {
      const next = new Set(old);
      if (shift && lastClicked.current !== null) {
        const [from, to] = [Math.min(lastClicked.current, index), Math.max(lastClicked.current, index)];
        for (let i = from; i <= to; i++) {
          if (checked) next.add(rows[i].id);
          else next.delete(rows[i].id);
        }
      } else if (checked) next.add(rows[index].id);
      else next.delete(rows[index].id);
      return next;
    });
    lastClicked.current = index;
  };

  const selectAll = (checked: boolean) => setSelected(checked ? new Set(rows.map((r) => r.id)) : new Set());
  const clear = () => setSelected(new Set());

  const selectedRows = rows.filter((r) => selected.has(r.id));
  return {
    isSelected: (row: Row) => selected.has(row.id),
    toggleRow,
    selectAll,
    clear,
    /** How many of the rows shown are ticked. */
    count: selectedRows.length,
    allSelected: rows.length > 0 && selectedRows.length === rows.length,
    /** The ticked files' keys and folders' prefixes. */
    keys: selectedRows.filter((r) => r.type === 'file').map((r) => r.id),
    prefixes: selectedRows.filter((r) => r.type === 'folder').map((r) => r.id),
  };
}

export type Selection = ReturnType<typeof useSelection>;
