/** Calls of the broker's dashboard API, with the tab's token; refusals become {@link ApiError}s. */
import { currentToken } from './token.js';

/** A refusal of the API: its HTTP status and the broker's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** What the page shows: `403 PERMISSION_DENIED: a producer token may not call PauseQueue`. */
  get summary(): string {
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

/** The headers of every call: the token, when one is set. */
export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token === '' ? {} : { authorization: `Bearer ${token}` };
}

/** GETs a JSON resource. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return call<T>(path, { headers: authHeaders(), ...(signal ? { signal } : {}) });
}

/** POSTs an action (a JSON body, `{}` by default) and returns its JSON answer. */
export function postAction<T>(path: string, body: object = {}): Promise<T> {
  return call<T>(path, { method: 'POST', headers: { ...authHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function call<T>(path: string, init: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** The {@link ApiError} of a refused response (its JSON body, or its status alone). */
export async function errorOf(response: Response): Promise<ApiError> {
  try {
    const { error } = (await response.json()) as { error: { code: string; reason: string; message: string; field?: string } };
    return new ApiError(response.status, error.code, error.reason, error.message, error.field);
  } catch {
    return new ApiError(response.status, 'HTTP_ERROR', 'HTTP_ERROR', response.statusText || 'request failed');
  }
}

/** A path segment, percent-encoded (queue names may hold `/`, `?` or spaces). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
