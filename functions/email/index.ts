import { EMAILS_PATH } from '../../src/paywall/contract.ts';
import { fillTemplate, type EmailName, type Emails, type EmailValues } from '../../src/paywall/emails.ts';
import { escapeHtml } from '../../src/paywall/html.ts';
import { keepLocally } from './outbox.ts';

/**
 * Sends the publisher's emails (content/emails/, checked by the build) through Cloudflare's
 * Email Service: the `send_email` binding EMAIL. `wrangler dev` simulates the binding locally.
 */

/** The email could not be sent, even after retrying: the reader must be told, and try again. */
export class EmailUnavailableError extends Error {
  override name = 'EmailUnavailableError';
}

/** Tries, then waits this long before each retry (ms): a brief fault passes, a real outage is reported soon. */
const RETRY_DELAYS = [250, 1000];

/** Per assets binding (one per isolate in production; the tests bring their own). */
const loaded = new WeakMap<Fetcher, Promise<Emails>>();

async function fetchEmails(assets: Fetcher, origin: string): Promise<Emails> {
  const response = await assets.fetch(new Request(new URL(EMAILS_PATH, origin)));
  if (!response.ok) throw new EmailUnavailableError(`The build's emails answered ${response.status}; run the build before the worker`);
  return response.json<Emails>();
}

/** The emails, read once per isolate from the build; a failed read is tried again next time. */
function emailsFrom(assets: Fetcher, origin: string): Promise<Emails> {
  let emails = loaded.get(assets);
  if (!emails) {
    emails = fetchEmails(assets, origin);
    loaded.set(assets, emails);
    emails.catch(() => loaded.delete(assets));
  }
  return emails;
}

export interface Recipient {
  to: string;
  /** The site's origin, to find the build's files. */
  origin: string;
}

/**
 * Sends one of the publisher's emails, retrying a failed attempt twice. Throws
 * EmailUnavailableError when it could not be sent, so the caller can say so to the reader. The
 * values, the link among them, are never logged (outside the local outbox).
 */
export async function sendEmail<Name extends EmailName>(env: Env, name: Name, { to, origin }: Recipient, values: EmailValues<Name> & { link: string }): Promise<void> {
  const { from, templates } = await emailsFrom(env.ASSETS, origin);
  const template = templates[name];
  const message = {
    from,
    to,
    subject: fillTemplate(template.subject, values),
    text: fillTemplate(template.text, values),
    html: fillTemplate(template.html, values, escapeHtml),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await env.EMAIL.send(message);
      break;
    } catch (error) {
      console.error(`email: sending the ${name} email failed (attempt ${attempt + 1} of ${RETRY_DELAYS.length + 1}): ${(error as Error).message}`);
      const delay = RETRY_DELAYS[attempt];
      if (delay === undefined) throw new EmailUnavailableError(`The ${name} email could not be sent`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  keepLocally(env, { to, subject: message.subject, text: message.text, link: values.link, sentAt: new Date() });
}
