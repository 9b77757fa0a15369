/** Data several screens share: settings (page size, concurrency), storage locations, server info. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { Info, Location, Settings } from '../api/types';
import { useToasts } from './toasts';

interface AppData {
  settings: Settings | null;
  setSettings: (s: Settings) => void;
  locations: Location[] | null;
  locationsError: string | null;
  refreshLocations: () => Promise<void>;
  info: Info | null;
}

const AppDataContext = createContext<AppData | null>(null);

export function AppDataProvider({ children }: { children: ReactNode }) {
  const { notifyError } = useToasts();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [locations, setLocations] = useState<Location[] | null>(null);
  const [locationsError, setLocationsError] = useState<string | null>(null);
  const [info, setInfo] = useState<Info | null>(null);

  const refreshLocations = useCallback(async () => {
    try {
      const answer = await api.locations();
      setLocations(answer.locations);
      setLocationsError(null);
    } catch (err) {
      setLocationsError((err as Error).message);
      setLocations((old) => old ?? []);
      notifyError(err);
    }
  }, [notifyError]);

  useEffect(() => {
    api.settings().then(setSettings, (err) => notifyError(err));
    api.info().then(setInfo, () => undefined);
    void refreshLocations();
  }, [notifyError, refreshLocations]);

  const value = useMemo(
    () => ({ settings, setSettings, locations, locationsError, refreshLocations, info }),
    [settings, locations, locationsError, refreshLocations, info],
  );
  return <AppDataContext.Provider value={value}>{children}</AppDataContext.Provider>;
}

export function useAppData(): AppData {
  const value = useContext(AppDataContext);
  if (!value) throw new Error('useAppData outside AppDataProvider');
  return value;
}
