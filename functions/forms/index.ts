import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';
import { cacheAs, personal } from '../response/index.ts';

/** Larger than any form of ours; anything bigger is refused before it is read. */
export const MAX_FORM_BYTES = 8 * 1024;

export const formLimit = bodyLimit({
  maxSize: MAX_FORM_BYTES,
  onError: () => safePage(413, 'That form is far larger than ours. Go back and try again.'),
});

/**
 * Pages about a reader's account (log-in, the account page, checkout): never cached, decided by
 * the reader's cookies, and their failures mean the accounts store is unavailable.
 */
export const accountRoute: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('failure', 'accounts');
  cacheAs(c, 'private');
  personal(c);
  await next();
};

/** A posted form's text fields, or the response that explains why it cannot be used. */
export async function readForm(c: Context<AppEnv>, formName: string): Promise<Record<string, string> | Response> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    return safePage(415, `Send the ${formName} form from our own page.`);
  }
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return safePage(400, `The ${formName} form arrived damaged. Go back and send it again.`);
  }
  return Object.fromEntries(Object.entries(body).map(([name, value]) => [name, typeof value === 'string' ? value : '']));
}
