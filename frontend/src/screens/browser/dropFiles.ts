/** Files from a drop (folders walked recursively, relative paths kept) or from a file input. */
import type { PendingFile } from '../../app/uploads';

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: keep reading until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((entries) => {
        if (!entries.length) resolve(all);
        else {
          all.push(...entries);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, path: string, out: PendingFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path: path + file.name });
  } else if (entry.isDirectory) {
    const entries = await readAll((entry as FileSystemDirectoryEntry).createReader());
    for (const child of entries) await walk(child, `${path}${entry.name}/`, out);
  }
}

export async function filesFromDrop(data: DataTransfer): Promise<PendingFile[]> {
  const out: PendingFile[] = [];
  const entries = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length && entries.every((e) => e !== null)) {
    for (const entry of entries) await walk(entry as FileSystemEntry, '', out);
    return out;
  }
  for (const file of Array.from(data.files)) out.push({ file, path: file.name });
  return out;
}

export function filesFromInput(list: FileList | null): PendingFile[] {
  return Array.from(list ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}
