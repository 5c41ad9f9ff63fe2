/** A refusal or failure, shown where the user acted; 401 and 403 say what token is needed. */
import { ApiError } from '../api.js';

/** Shows `error` (nothing when null). */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const text = error instanceof ApiError ? error.summary : error instanceof Error ? error.message : String(error);
  const hint =
    error instanceof ApiError && error.status === 401
      ? 'Set a token of this broker in the Token field above.'
      : error instanceof ApiError && error.status === 403
        ? 'This token’s scope does not allow it: reads and task actions need producer or all, queue actions need all.'
        : undefined;
  return (
    <div class="error" role="alert">
      <span class="error-text">{text}</span>
      {hint && <span class="error-hint"> {hint}</span>}
    </div>
  );
}
