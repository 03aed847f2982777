import type { Context } from 'hono';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { escapeHtml } from '../pages/index.ts';
import { notFound } from '../pages/not-found.ts';
import { secretUrl } from '../response/index.ts';

/**
 * For local use only: while LOCAL_OUTBOX is set (by `npm start` and the tests, never in
 * production), each email the Worker sends is printed with its link in the terminal, and the
 * latest ones are listed at LOCAL_OUTBOX_PATH, so a reader can be walked through without a mail
 * server. Without the variable the page does not exist and nothing is printed: links are secrets,
 * and the logs of a deployment must never hold one.
 */

export interface LocalEmail {
  to: string;
  subject: string;
  text: string;
  link: string;
  sentAt: Date;
}

const KEPT = 20;
/** Newest first. One isolate serves `wrangler dev`, so this is the whole local outbox. */
const outbox: LocalEmail[] = [];

export function isOutboxOn(env: Partial<Env>): boolean {
  return Boolean(env.LOCAL_OUTBOX?.trim());
}

/** Prints the email's link in the terminal and keeps it for the page, when the outbox is on. */
export function keepLocally(env: Partial<Env>, email: LocalEmail): void {
  if (!isOutboxOn(env)) return;
  console.log(`[local outbox] "${email.subject}" to ${email.to}: ${email.link}`);
  outbox.unshift(email);
  outbox.length = Math.min(outbox.length, KEPT);
}

/** The emails sent lately, newest first; `to` narrows them to one address. */
export function localEmails(to?: string): readonly LocalEmail[] {
  return to ? outbox.filter((email) => email.to === to) : outbox;
}

function item(email: LocalEmail): string {
  return `<li>
<p><strong>${escapeHtml(email.subject)}</strong><br>To ${escapeHtml(email.to)}, ${escapeHtml(email.sentAt.toISOString())}</p>
<p><a href="${escapeHtml(email.link)}">Open the link in this email</a></p>
<pre>${escapeHtml(email.text)}</pre>
</li>`;
}

/** The local outbox page, or the site's 404 when the outbox is off. */
export async function outboxPage(c: Context<AppEnv>): Promise<Response> {
  if (!isOutboxOn(c.env)) return notFound(c);
  secretUrl(c);
  const list = outbox.length ? `<ol>${outbox.map(item).join('\n')}</ol>` : '<p>No emails yet. Ask for a log-in link, and it appears here.</p>';
  const html = `<!doctype html>
<html lang="${settings.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Local outbox | ${escapeHtml(settings.name)}</title><link rel="stylesheet" href="/error.css"></head>
<body>
<header><p><a href="/">${escapeHtml(settings.name)}</a></p></header>
<main>
<h1>Local outbox</h1>
<p>The emails this local site sent lately, newest first. It exists only while LOCAL_OUTBOX is set, as <code>npm start</code> sets it; a deployment never has it.</p>
${list}
</main>
<footer><p>Nothing here left this machine.</p></footer>
</body>
</html>`;
  return new Response(html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}
