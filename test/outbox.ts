// The local outbox page (LOCAL_OUTBOX_PATH), as a reader of `npm start` uses it: the newest
// email's link for an address, read from the page, without a mail server.
import { LOCAL_OUTBOX_PATH, PAGES } from '../src/paywall/contract.ts';
import type { Reader } from './reader.ts';

/** The link in the newest email to `email`, as a path on this site. */
export async function linkFromOutbox(reader: Reader, email: string): Promise<string> {
  const page = await reader.get(LOCAL_OUTBOX_PATH);
  const item = page.html.split('<li>').find((candidate) => candidate.includes(`To ${email},`));
  const href = item && new RegExp(`href="([^"]*${PAGES.loginLink.replaceAll('/', '\\/')}[^"]*)"`).exec(item)?.[1];
  if (!href) throw new Error(`The local outbox (${page.status}) has no email to ${email}`);
  const url = new URL(href.replaceAll('&amp;', '&'));
  return `${url.pathname}${url.search}`;
}
