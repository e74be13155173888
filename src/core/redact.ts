// Keeping credentials out of messages: a URL is shown without its userinfo, query string and
// fragment (where API keys and passwords ride), and a free text has every URL in it shown that
// way, known secrets replaced, and bearer tokens and key=value credentials masked. Pure; used
// where provider errors are built, so that no task error, ledger line or log carries a secret.

export const REDACTED = '[redacted]';

/** Scheme://... up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`()[\]{}]+/gi;
/** `Bearer <token>` in an echoed header. */
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** key=value pairs that name a credential, outside URLs (`api-key=...`, `password: ...`). */
const CREDENTIAL_PAIR =
  /\b((?:x-)?api[-_]?key|access[-_]?token|auth[-_]?token|token|secret|password|passwd|client[-_]?secret)(\s*[=:]\s*)[^\s&,;"']+/gi;

/**
 * The URL without userinfo, query string and fragment: `http://u:p@host:1/v1?key=K` becomes
 * `http://host:1/v1`. Text that does not parse as a URL loses everything from `?` and the
 * part before `@` after the scheme.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.host !== '') {
      parsed.username = '';
      parsed.password = '';
      parsed.search = '';
      parsed.hash = '';
      const shown = parsed.toString();
      // URL adds a slash to a bare origin; keep the text as it was written.
      return !url.endsWith('/') && shown.endsWith('/') && parsed.pathname === '/'
        ? shown.slice(0, -1)
        : shown;
    }
  } catch {
    // fall through to the textual cut
  }
  const withoutQuery = url.replace(/[?#].*$/s, '');
  return withoutQuery.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * `text` with every URL redacted (redactUrl), every string of `secrets` (4 characters or more)
 * replaced by [redacted], and bearer tokens and credential pairs masked.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  if (result.includes('://')) result = result.replace(URL_IN_TEXT, (url) => redactUrl(url));
  return result
    .replace(BEARER, (_match, word: string) => `${word} ${REDACTED}`)
    .replace(CREDENTIAL_PAIR, (_match, key: string, separator: string) => `${key}${separator}${REDACTED}`);
}
