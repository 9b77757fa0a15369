/** Light/dark theme: the PatternFly 6 dark class on <html>, remembered in localStorage. */
import { useCallback, useState } from 'react';

const KEY = 'odh-tec-theme';
const DARK_CLASS = 'pf-v6-theme-dark';

export type Theme = 'light' | 'dark';

function current(): Theme {
  return document.documentElement.classList.contains(DARK_CLASS) ? 'dark' : 'light';
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setState] = useState<Theme>(current);
  const setTheme = useCallback((next: Theme) => {
    document.documentElement.classList.toggle(DARK_CLASS, next === 'dark');
    try {
      localStorage.setItem(KEY, next);
    } catch {
      /* private mode */
    }
    setState(next);
  }, []);
  return [theme, setTheme];
}
