/** Files dropped on the storage browser, or picked through its hidden file and folder inputs, to upload. */
import { useEffect, useRef, useState, type DragEvent, type ReactNode, type RefObject } from 'react';
import type { PendingFile } from '../../app/uploads';
import { t } from '../../i18n/strings';
import { filesFromDrop, filesFromInput } from './dropFiles';

/** The hidden inputs, for the buttons that open the browser's file and folder pickers. */
export function useUploadInputs() {
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  return {
    fileInput,
    folderInput,
    pickFiles: () => fileInput.current?.click(),
    pickFolder: () => folderInput.current?.click(),
  };
}

const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');

export function UploadDropzone({
  canDrop,
  onFiles,
  fileInput,
  folderInput,
  children,
}: {
  /** Whether a drop uploads (the location is available). */
  canDrop: boolean;
  onFiles: (pending: PendingFile[]) => void;
  fileInput: RefObject<HTMLInputElement | null>;
  folderInput: RefObject<HTMLInputElement | null>;
  children: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
    folderInput.current?.setAttribute('directory', '');
  });

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    if (!canDrop) return;
    onFiles(await filesFromDrop(event.dataTransfer));
  };

  return (
    <>
      <div
        className={`odh-tec-dropzone${dragging ? ' is-dragging' : ''}`}
        data-drop-label={t.browser.dropHere}
        data-testid="dropzone"
        onDragEnter={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          dragDepth.current += 1;
          setDragging(true);
        }}
        onDragOver={(e) => {
          if (hasFiles(e)) e.preventDefault();
        }}
        onDragLeave={() => {
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (!dragDepth.current) setDragging(false);
        }}
        onDrop={onDrop}
      >
        {children}
      </div>
      {[
        { ref: fileInput, label: t.browser.uploadFiles, testId: 'file-input' },
        { ref: folderInput, label: t.browser.uploadFolder, testId: 'folder-input' },
      ].map((input) => (
        <input
          key={input.testId}
          ref={input.ref}
          type="file"
          multiple
          className="odh-tec-hidden-input"
          aria-label={input.label}
          data-testid={input.testId}
          onChange={(e) => {
            onFiles(filesFromInput(e.target.files));
            e.target.value = '';
          }}
        />
      ))}
    </>
  );
}
