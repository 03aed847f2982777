// What the Worker tests of readers without a subscription share: an EMAIL binding that keeps what
// it is asked to send (and can be told to fail), accounts with or without a subscription made
// straight in D1, and a browser that logs in the way a reader does, with the link from an email.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { HOOKS, LOGIN_LINK_PARAM, PAGES } from '../../src/paywall/contract.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { hashPassword } from '../../functions/accounts/password.ts';
import { Browser, uniqueEmail } from './payments.ts';

export interface SentEmail {
  from: { name: string; email: string };
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A stand-in for the send_email binding: it keeps every email, and fails the next `failures` sends. */
export class Outbox {
  readonly sent: SentEmail[] = [];
  failures = 0;

  readonly binding = {
    send: async (message: SentEmail) => {
      if (this.failures > 0) {
        this.failures--;
        throw new Error('send_email: the service is unavailable');
      }
      this.sent.push(message);
      return { messageId: `<${crypto.randomUUID()}@test>` };
    },
  } as unknown as SendEmail;

  /** The last email to `to`. */
  last(to: string): SentEmail {
    const email = this.sent.findLast((candidate) => candidate.to === to);
    if (!email) throw new Error(`No email was sent to ${to}; sent to: ${this.sent.map((sent) => sent.to).join(', ') || 'nobody'}`);
    return email;
  }

  /** The one-time link in the last email to `to`, as a path on this site. */
  linkTo(to: string): string {
    const match = new RegExp(`https?://[^\\s]+${PAGES.loginLink.replaceAll('/', '\\/')}\\?${LOGIN_LINK_PARAM}=[\\w-]+`).exec(this.last(to).text);
    if (!match) throw new Error(`The email to ${to} has no log-in link:\n${this.last(to).text}`);
    const url = new URL(match[0]);
    return `${url.pathname}${url.search}`;
  }
}

/** The Worker's bindings with this outbox as EMAIL, and anything else changed. */
export function bindingsWith(outbox: Outbox, changes: Partial<Env> = {}): Env {
  return { ...env, EMAIL: outbox.binding, ...changes } as Env;
}

/** A browser whose `waitUntil` work the test can wait for. */
export class Reader extends Browser {
  private readonly context: ExecutionContext;

  constructor(bindings: Env, context = createExecutionContext()) {
    super(bindings, context);
    this.context = context;
  }

  /** Waits for the work the Worker left running after its responses (the meter's writes). */
  settled(): Promise<void> {
    return waitOnExecutionContext(this.context);
  }

  /** Asks for a link, opens it, and presses "Log in", as a reader does. The last response. */
  async logInByLink(outbox: Outbox, email: string, returnTo: string = PAGES.account): Promise<Response> {
    const asked = await this.post(PAGES.emailLink, { email, return: returnTo });
    if (asked.status !== 200) throw new Error(`Asking for a link answered ${asked.status}: ${(await asked.text()).slice(0, 400)}`);
    const opened = await this.get(outbox.linkTo(email));
    if (opened.status !== 303) throw new Error(`Opening the link answered ${opened.status}`);
    return this.post(PAGES.loginLink, {});
  }
}

const DAY = 86_400;
const seconds = () => Math.floor(Date.now() / 1000);

/** An account in D1: without a subscription (a registered reader), or with one ending `days` from now. */
export async function addAccount(email: string, options: { plan?: string; days?: number; password?: string } = {}): Promise<string> {
  const id = crypto.randomUUID();
  const statements = [
    env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (?1, ?2, ?3, ?4, ?4)').bind(
      id,
      email,
      options.password ? await hashPassword(options.password) : null,
      seconds(),
    ),
  ];
  if (options.plan) {
    const end = seconds() + (options.days ?? 30) * DAY;
    statements.push(
      env.DB.prepare('INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES (?, ?, ?, ?)').bind(id, options.plan, end > seconds() ? 'active' : 'ended', end),
    );
  }
  await env.DB.batch(statements);
  return id;
}

/** Ends an account's subscription now. */
export function endSubscription(accountId: string) {
  return env.DB.prepare("UPDATE subscriptions SET status = 'ended', current_period_end = ? WHERE account_id = ?").bind(seconds() - 1, accountId).run();
}

/** The wall message the teaser shows: the reason the edge kept. */
export function wallReasonIn(html: string): string | undefined {
  return new RegExp(`${HOOKS.wallReason}="(\\w+)"`).exec(html)?.[1];
}

/** A subscriber on the first plan of content/plans.json, logged in by link in a browser of their own. */
export async function subscriber(outbox: Outbox, label = 'subscriber'): Promise<{ reader: Reader; email: string; accountId: string }> {
  const email = uniqueEmail(label);
  const accountId = await addAccount(email, { plan: plansFile.plans[0]!.id });
  const reader = new Reader(bindingsWith(outbox));
  await reader.logInByLink(outbox, email);
  return { reader, email, accountId };
}
