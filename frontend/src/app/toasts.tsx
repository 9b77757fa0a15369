/** Toast notifications: one AlertGroup for the app; errors always show the server's message. */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { Alert, AlertActionCloseButton, AlertGroup } from '@patternfly/react-core';
import { ApiError } from '../api/client';
import { t } from '../i18n/strings';

export type ToastVariant = 'success' | 'danger' | 'warning' | 'info' | 'custom';

export interface Toast {
  id: number;
  variant: ToastVariant;
  title: string;
  message?: ReactNode;
  action?: ReactNode;
}

interface ToastApi {
  notify: (toast: Omit<Toast, 'id'>) => void;
  notifyError: (err: unknown, title?: string) => void;
}

const ToastContext = createContext<ToastApi>({ notify: () => undefined, notifyError: () => undefined });

const MAX_VISIBLE = 4;
let nextId = 1;

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const remove = useCallback((id: number) => setToasts((all) => all.filter((x) => x.id !== id)), []);
  const notify = useCallback((toast: Omit<Toast, 'id'>) => {
    const id = nextId++;
    setToasts((all) => [...all, { ...toast, id }].slice(-MAX_VISIBLE));
  }, []);
  const notifyError = useCallback(
    (err: unknown, title?: string) => {
      if ((err as Error)?.name === 'AbortError') return;
      notify({ variant: 'danger', title: title ?? t.common.errorTitle, message: messageOf(err) });
    },
    [notify],
  );
  const value = useMemo(() => ({ notify, notifyError }), [notify, notifyError]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <AlertGroup isToast isLiveRegion>
        {toasts.map((toast) => (
          <Alert
            key={toast.id}
            variant={toast.variant}
            title={toast.title}
            timeout={toast.variant === 'danger' ? 12000 : 6000}
            onTimeout={() => remove(toast.id)}
            actionClose={<AlertActionCloseButton title={toast.title} onClose={() => remove(toast.id)} />}
            actionLinks={toast.action}
            data-testid="toast"
          >
            {toast.message}
          </Alert>
        ))}
      </AlertGroup>
    </ToastContext.Provider>
  );
}

export const useToasts = () => useContext(ToastContext);
