const BASE = 'https://return.invalid';

/**
 * The page to return to after login, if it is a path on this site; otherwise the fallback.
 * Refuses protocol-relative and absolute URLs, back slashes and control characters, also when
 * percent-encoded, so the login form can never send a reader to another site.
 */
export function safeReturnPath(value: unknown, fallback = '/account/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  for (const form of [value, decoded]) {
    if (!form.startsWith('/') || form.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(form)) return fallback;
  }
  const url = new URL(value, BASE);
  // Dot segments can turn /.//evil.example into //evil.example once resolved: check the result too.
  if (url.origin !== BASE || url.pathname.startsWith('//') || url.pathname.includes('\\')) return fallback;
  return `${url.pathname}${url.search}`;
}
