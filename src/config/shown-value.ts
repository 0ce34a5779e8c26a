import type { ConfigPath, ShownValue } from './config-problem.ts';

// What `config check` may print of a value it refuses. Secrets come from the environment, but a person who gets that
// wrong pastes one into the file, so a value whose key (or whose mapping) sounds secret is never printed, and a URL
// only as far as its host: the rest of a webhook URL is often the credential.

const SECRET_KEY = /secret|token|passw|credential|private|api_?key|auth|cookie|signature|webhook|_env$/i;
const MAX_CHARS = 60;

/** How a refused value is printed: `text` for the message, `value` for --json (absent when not shown). */
export type Shown = { text: string; value?: ShownValue; hidden?: true };

// The key holding the value and the one above it: `api.tokens.ci` is a token's entry, `executor.secret_env` a secret's name.
function mayBeSecret(path: ConfigPath): boolean {
  // people: holds names and Discord ids, and `tokens:` there lists token names, never their values.
  if (path[0] === 'people') return false;
  return path.filter((k): k is string => typeof k === 'string').slice(-2).some((k) => SECRET_KEY.test(k));
}

function upToHost(text: string): string {
  // Whether or not it parses as a URL: the scheme and the host, without a user or password before an @.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?(?:[^/?#]*@)?([^/?#]*)([^]*)$/i.exec(text);
  return m ? `${m[1] ?? ''}${m[2]}${m[3] ? '/…' : ''}` : '…';
}

const shorten = (text: string) => (text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text);

export function showValue(path: ConfigPath, value: unknown): Shown {
  // A collection is named by its kind: its contents are other settings, each checked (and shown) on its own.
  if (value === null) return { text: 'an empty value', value: null };
  if (Array.isArray(value)) return { text: value.length > 0 ? 'a list' : 'an empty list' };
  if (typeof value === 'object') return { text: Object.keys(value).length > 0 ? 'a mapping' : 'an empty mapping' };
  if (mayBeSecret(path)) return { text: `a ${typeof value === 'string' ? 'string' : typeof value}`, hidden: true };
  if (typeof value === 'string') {
    const text = shorten(/:\/\/|^[^\s/]+\.[a-z]{2,}\//i.test(value) || /url$/i.test(String(path.at(-1))) ? upToHost(value) : value);
    return { text: JSON.stringify(text), value: text };
  }
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value), value };
  return { text: typeof value };
}
