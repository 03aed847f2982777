import { z } from 'zod';
import { ConfigError, parseDataFile } from './config-error.ts';

/**
 * The emails the edge sends. Publishers write them in `content/emails/`: the sender and each
 * email's subject in `emails.json`, and each email's plain-text and HTML parts in `<name>.txt` and
 * `<name>.html`. Placeholders are written `{{link}}`. The build checks every part against the
 * placeholders the edge fills in for that email (`checkEmails`), and stops on one it does not know
 * or cannot fill, so no reader ever gets a raw `{{placeholder}}`.
 */

/** The placeholders of each email, all filled in by the edge. `link` is the one-time link. */
export const EMAILS = {
  /** To an address that has an account: a link to log in. */
  'log-in': ['link', 'minutes', 'site', 'email'],
  /** To an address with no account yet: opening the link creates it. */
  welcome: ['link', 'minutes', 'site', 'email'],
} as const satisfies Record<string, readonly string[]>;

export type EmailName = keyof typeof EMAILS;
export type EmailValues<Name extends EmailName> = Record<(typeof EMAILS)[Name][number], string>;
export const EMAIL_NAMES = Object.keys(EMAILS) as EmailName[];

/** Every email must carry its link, in both parts, and never in its subject (subjects show in notifications). */
const REQUIRED_IN_BODY = 'link';

export interface EmailTemplate {
  subject: string;
  text: string;
  html: string;
}

/** What the build hands the edge: the sender and every email, checked. */
export interface Emails {
  from: { name: string; email: string };
  templates: Record<EmailName, EmailTemplate>;
}

export const emailsFileSchema = z.strictObject({
  from: z.strictObject({
    name: z.string().trim().min(1, 'give the sender a name readers recognise, e.g. the publication’s name'),
    email: z.email('use the address emails come from, on a domain you send from'),
  }),
  subjects: z.strictObject(
    Object.fromEntries(EMAIL_NAMES.map((name) => [name, z.string().trim().min(1, `give the ${name} email a subject`).max(200)])) as Record<
      EmailName,
      z.ZodString
    >,
  ),
});

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function list(names: readonly string[]): string {
  return names.map((name) => `{{${name}}}`).join(', ');
}

/** What is wrong with one part of one email, each problem naming the file and what to write instead. */
export function problemsIn(name: EmailName, file: string, template: string, part: 'subject' | 'body'): string[] {
  const known: readonly string[] = EMAILS[name];
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [, placeholder] of template.matchAll(PLACEHOLDER)) {
    used.add(placeholder!);
    if (!known.includes(placeholder!)) {
      problems.push(`${file}: {{${placeholder}}} is not a placeholder of the ${name} email. Use one of ${list(known)}.`);
    }
  }
  const stray = template.replace(PLACEHOLDER, '').match(/\{\{|\}\}/);
  if (stray) problems.push(`${file}: "${stray[0]}" is not part of a placeholder. Write placeholders whole, e.g. {{site}}.`);
  if (part === 'body' && !used.has(REQUIRED_IN_BODY)) {
    problems.push(`${file}: the ${name} email must contain {{${REQUIRED_IN_BODY}}}, the link the reader opens.`);
  }
  if (part === 'subject' && used.has(REQUIRED_IN_BODY)) {
    problems.push(`${file}: keep {{${REQUIRED_IN_BODY}}} out of the subject; it belongs in the email's text, where only the reader sees it.`);
  }
  return problems;
}

export interface EmailSources {
  /** `content/emails/emails.json`, parsed. */
  file: unknown;
  /** The parts' text by file name, e.g. `log-in.txt`; a missing part is absent. */
  parts: Record<string, string | undefined>;
}

/** Every email checked and put together, or a ConfigError that lists every problem at once. */
export function checkEmails({ file, parts }: EmailSources, folder = 'content/emails'): Emails {
  const parsed = parseDataFile(emailsFileSchema, file, `${folder}/emails.json`);
  const problems: string[] = [];
  const templates = {} as Record<EmailName, EmailTemplate>;
  for (const name of EMAIL_NAMES) {
    const subject = parsed.subjects[name];
    problems.push(...problemsIn(name, `${folder}/emails.json (subjects.${name})`, subject, 'subject'));
    const [text, html] = (['txt', 'html'] as const).map((extension) => {
      const part = parts[`${name}.${extension}`];
      if (part === undefined) {
        problems.push(`${folder}/${name}.${extension} is missing. Every email has a plain-text part (.txt) and an HTML part (.html).`);
        return '';
      }
      problems.push(...problemsIn(name, `${folder}/${name}.${extension}`, part, 'body'));
      return part;
    }) as [string, string];
    templates[name] = { subject, text, html };
  }
  if (problems.length) throw new ConfigError(`The emails in ${folder}/ are not ready to send:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nFix them and build again.`);
  return { from: parsed.from, templates };
}

/**
 * A part with its placeholders filled in. `escape` makes values safe for an HTML part. A
 * placeholder without a value throws: the build's check makes that impossible for the emails it
 * passed, so it can only mean the edge and the build disagree.
 */
export function fillTemplate(template: string, values: Record<string, string>, escape: (value: string) => string = (value) => value): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`The email placeholder {{${name}}} has no value`);
    return escape(value);
  });
}
