// What the subscriber admin commands do, shared by `npm run subscriber` and the local seed.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../functions/accounts/password.ts';
import { normalEmail } from '../functions/accounts/email.ts';
import { findPlan, plansFile } from '../src/paywall/plans.ts';
import { query, sql, type Target } from './d1.ts';

export class AdminError extends Error {
  override name = 'AdminError';
}

export function checkedEmail(value: string | undefined): string {
  const email = value === undefined ? undefined : normalEmail(value);
  if (!email) throw new AdminError(`"${value ?? ''}" is not an email address.`);
  return email;
}

export function checkedPlan(value: string | undefined): string {
  if (!value || !findPlan(value)) {
    throw new AdminError(`Name a plan with --plan. Plans: ${plansFile.plans.map((plan) => plan.id).join(', ')}.`);
  }
  return value;
}

/** A date as YYYY-MM-DD (end of that day, UTC) or a full ISO timestamp, in seconds. */
export function checkedDate(value: string | undefined): number {
  const iso = value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : value;
  const time = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(time)) throw new AdminError(`--until needs a date such as 2027-12-31, not "${value ?? ''}".`);
  return Math.floor(time / 1000);
}

export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}

const now = () => Math.floor(Date.now() / 1000);

export interface AddResult {
  created: boolean;
  /** The password made up for a new account that was given none. */
  generatedPassword?: string;
}

/**
 * Creates the account, or updates an existing one, with an active subscription until `until`.
 * An existing account keeps its password unless a new one is given.
 */
export async function addSubscriber(
  target: Target,
  { email, plan, until, password }: { email: string; plan: string; until: number; password?: string },
): Promise<AddResult> {
  const existing = query<{ id: string }>(target, `SELECT id FROM accounts WHERE email = ${sql(email)}`);
  const id = existing[0]?.id ?? crypto.randomUUID();
  const statements = [];
  const generatedPassword = existing.length || password ? undefined : newPassword();
  if (!existing.length) {
    const hash = await hashPassword(password ?? generatedPassword!);
    statements.push(
      // The publisher vouches for the email of a subscriber they set up by hand.
      `INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (${sql(id)}, ${sql(email)}, ${sql(hash)}, ${now()}, ${now()})`,
    );
  } else if (password) {
    statements.push(`UPDATE accounts SET password_hash = ${sql(await hashPassword(password))} WHERE id = ${sql(id)}`);
  }
  statements.push(
    // A subscription set up by hand: no provider bills it, and it simply runs until `until`.
    `INSERT INTO subscriptions (account_id, plan, status, current_period_end, updated_at) VALUES (${sql(id)}, ${sql(plan)}, 'active', ${until}, ${now()})
     ON CONFLICT (account_id) DO UPDATE SET plan = excluded.plan, status = 'active', current_period_end = excluded.current_period_end,
       past_due_since = NULL, cancel_at_period_end = 0, cancel_sent_at = NULL, provider = NULL, provider_subscription_id = NULL,
       notice = NULL, updated_at = excluded.updated_at`,
  );
  query(target, statements.join(';\n'));
  return { created: !existing.length, ...(generatedPassword ? { generatedPassword } : {}) };
}

export interface SubscriberRow {
  email: string;
  plan: string | null;
  status: string | null;
  current_period_end: number | null;
  sessions: number;
}

export function listSubscribers(target: Target): SubscriberRow[] {
  return query<SubscriberRow>(
    target,
    `SELECT a.email, s.plan, s.status, s.current_period_end,
            (SELECT COUNT(*) FROM sessions WHERE account_id = a.id AND expires_at > ${now()}) AS sessions
       FROM accounts a LEFT JOIN subscriptions s ON s.account_id = a.id
      ORDER BY a.email`,
  );
}

export function accountId(target: Target, email: string): string {
  const [row] = query<{ id: string }>(target, `SELECT id FROM accounts WHERE email = ${sql(email)}`);
  if (!row) throw new AdminError(`There is no account for ${email}.`);
  return row.id;
}

/**
 * Ends a subscription set up by hand now and logs the account out everywhere. One a payment
 * provider bills must be cancelled there (or from the reader's account page): ending it only here
 * would leave the provider charging the card.
 */
export function cancelSubscriber(target: Target, email: string): void {
  const id = accountId(target, email);
  const [billed] = query<{ provider: string }>(target, `SELECT provider FROM subscriptions WHERE account_id = ${sql(id)} AND provider IS NOT NULL`);
  if (billed) {
    throw new AdminError(`${email} is billed by ${billed.provider}. Cancel the subscription in ${billed.provider}'s dashboard; its webhook ends it here.`);
  }
  query(
    target,
    `UPDATE subscriptions SET status = 'ended', current_period_end = MIN(current_period_end, ${now()}) WHERE account_id = ${sql(id)};
     DELETE FROM sessions WHERE account_id = ${sql(id)}`,
  );
}

/** Sets a new password and logs the account out everywhere. */
export async function setPassword(target: Target, email: string, password: string): Promise<void> {
  const id = accountId(target, email);
  query(
    target,
    `UPDATE accounts SET password_hash = ${sql(await hashPassword(password))} WHERE id = ${sql(id)};
     DELETE FROM sessions WHERE account_id = ${sql(id)}`,
  );
}
