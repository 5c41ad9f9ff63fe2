/**
 * The API token the page sends, kept in `sessionStorage`: it lives as long as the tab, is never
 * written to disk by the page, and no other site can read it.
 */
import { useEffect, useState } from 'preact/hooks';

const KEY = 'qtasks.dashboard.token';
const listeners = new Set<(token: string) => void>();

/** The token set in this tab, or '' for none. */
export function currentToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

/** Sets (or, with '', forgets) the token, and tells the views that read it. */
export function setToken(token: string): void {
  try {
    if (token === '') sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (private mode quotas): the token lasts until the page reloads.
  }
  for (const listener of listeners) listener(token);
}

/** The token, re-rendering the component when it changes (views reload with the new one). */
export function useToken(): string {
  const [token, set] = useState(currentToken);
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return token;
}
