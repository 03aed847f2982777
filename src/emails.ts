// Reads the publisher's emails from content/emails/ for the build, which checks them
// (src/paywall/emails.ts) when it starts and hands them to the edge as a guarded file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './paywall/config-error.ts';
import { checkEmails, EMAIL_NAMES, type Emails } from './paywall/emails.ts';

export const EMAILS_FOLDER = 'content/emails';

/** The emails, checked: a ConfigError names every file and placeholder that needs fixing. */
export function loadEmails(folder = EMAILS_FOLDER): Emails {
  const read = (name: string) => {
    const path = join(folder, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  const json = read('emails.json');
  if (json === undefined) throw new ConfigError(`${folder}/emails.json is missing: it names the sender and each email's subject.`);
  let file: unknown;
  try {
    file = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${folder}/emails.json is not valid JSON (${(error as Error).message}). Fix it and build again.`);
  }
  const parts = Object.fromEntries(EMAIL_NAMES.flatMap((name) => [`${name}.txt`, `${name}.html`].map((part) => [part, read(part)])));
  return checkEmails({ file, parts }, folder);
}
