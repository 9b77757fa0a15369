/** Starting a transfer from a dialog: one way for copies, syncs and ModelCars alike. */
import { useCallback } from 'react';
import { Button } from '@patternfly/react-core';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import type { Job, TransferRequest } from '../api/types';
import { t } from '../i18n/strings';
import { useToasts } from './toasts';
import { isActive, useTransfers } from './transfers';

const ENDED: Record<string, (title: string) => string> = {
  completed: t.transfers.finished,
  failed: t.transfers.failed,
  cancelled: t.transfers.cancelled,
};

/**
 * Starts the job, adds it to this tab's list and says so in a toast with a link to the Transfers
 * page. The event stream may already have said more (even "completed"): the toast tells what the tab
 * holds now, so a job that ended before its answer arrived is not announced as started.
 */
export function useStartTransfer(): (
  body: TransferRequest,
  started: (title: string) => string,
) => Promise<Job> {
  const { upsert, titleOf } = useTransfers();
  const { notify } = useToasts();
  const navigate = useNavigate();
  return useCallback(
    async (body, started) => {
      const job = upsert(await api.startTransfer(body));
      const title = titleOf(job);
      notify({
        variant: isActive(job) ? 'info' : job.state === 'completed' ? 'success' : 'warning',
        title: isActive(job) ? started(title) : ENDED[job.state](title),
        action: (
          <Button variant="link" isInline onClick={() => navigate('/transfers')}>
            {t.copy.viewTransfers}
          </Button>
        ),
      });
      return job;
    },
    [upsert, titleOf, notify, navigate],
  );
}
