/** The token input in the header: what the page sends as `Authorization: Bearer`. */
import { useState } from 'preact/hooks';
import { setToken, useToken } from '../token.js';

/** Lets the user set or forget the tab's token. */
export function TokenField() {
  const token = useToken();
  const [draft, setDraft] = useState(token);
  return (
    <form
      class="token"
      onSubmit={(event) => {
        event.preventDefault();
        setToken(draft.trim());
      }}
    >
      <label>
        Token{' '}
        <input
          type="password"
          name="token"
          autocomplete="off"
          placeholder={token === '' ? 'none (open broker)' : 'set'}
          value={draft}
          onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Use</button>
      {token !== '' && (
        <button
          type="button"
          onClick={() => {
            setDraft('');
            setToken('');
          }}
        >
          Forget
        </button>
      )}
    </form>
  );
}
