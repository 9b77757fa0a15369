import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Bullseye, EmptyState, PageSection, Spinner } from '@patternfly/react-core';
import { basePath } from './api/base';
import { AppDataProvider } from './app/appData';
import { AppLayout } from './app/AppLayout';
import { DisclaimerGate } from './app/Disclaimer';
import { ToastProvider } from './app/toasts';
import { TransfersProvider } from './app/transfers';
import { UploadsProvider } from './app/uploads';
import { t } from './i18n/strings';
import StorageBrowser from './screens/browser/StorageBrowser';
import BucketsPage from './screens/buckets/BucketsPage';
import SettingsPage from './screens/settings/SettingsPage';
import TransfersPage from './screens/transfers/TransfersPage';

const VramPage = lazy(() => import('./screens/vram/VramPage'));

function NotFound() {
  return (
    <PageSection>
      <EmptyState titleText={t.notFound} headingLevel="h1" />
    </PageSection>
  );
}

export function App() {
  return (
    <BrowserRouter basename={basePath || '/'}>
      <ToastProvider>
        <DisclaimerGate>
          <AppDataProvider>
            <TransfersProvider>
              <UploadsProvider>
                <AppLayout>
                  <Suspense
                    fallback={
                      <Bullseye>
                        <Spinner aria-label={t.common.loading} />
                      </Bullseye>
                    }
                  >
                    <Routes>
                      <Route path="/" element={<Navigate to="/browse" replace />} />
                      <Route path="/browse" element={<StorageBrowser />} />
                      <Route path="/browse/:locationId" element={<StorageBrowser />} />
                      <Route path="/buckets" element={<BucketsPage />} />
                      <Route path="/transfers" element={<TransfersPage />} />
                      <Route path="/vram/*" element={<VramPage />} />
                      <Route path="/settings" element={<SettingsPage />} />
                      <Route path="*" element={<NotFound />} />
                    </Routes>
                  </Suspense>
                </AppLayout>
              </UploadsProvider>
            </TransfersProvider>
          </AppDataProvider>
        </DisclaimerGate>
      </ToastProvider>
    </BrowserRouter>
  );
}
