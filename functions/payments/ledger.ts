import { entitlement, type Entitlement } from '../../src/paywall/entitlement.ts';
import { formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { formatDay } from '../../src/paywall/dates.ts';
import { normalEmail } from '../accounts/email.ts';
import type { Count, SubscriptionChange } from '../analytics/events.ts';
import type { CheckoutState, PaymentProvider, Refund, SubscriptionState, WebhookEvent } from './provider.ts';
import { withExperimentOutcomes } from '../experiments/outcomes.ts';

/**
 * Writes what the payment provider says into D1: which account a subscription belongs to, its
 * state, and which webhook events have been applied. Every write for one event is one D1 batch,
 * the event's own record included, so an event is either wholly applied or not at all (and then
 * retried by the provider).
 *
 * Nothing here trusts an event's contents or order: callers pass the checkout and subscription as
 * they read them from the provider just now, and the state written is the provider's current one.
 * An older read never overwrites a newer one (`updated_at`).
 *
 * What changed, for the newsroom, is read in the same batch as the writes, just before and just
 * after them: a batch is one transaction, so of two deliveries racing, or an event replayed or
 * out of order, only the one whose writes made the change sees it, and it is counted once.
 */

export type Applied = (
  /** The subscription (or its end) is recorded on the account. */
  | { outcome: 'recorded'; accountId: string }
  /** The account already had a live subscription: this second one was cancelled and refunded. */
  | { outcome: 'duplicate'; accountId: string; refund: Refund }
  /** Nothing to record (not paid yet, or a subscription no account is waiting for). */
  | { outcome: 'ignored' }
) & {
  /** What these writes changed, for the caller to count. */
  counts: Count[];
};

/** Another write got between our read and our batch; the caller answers 5xx so the provider retries. */
export class PaymentConflictError extends Error {
  override name = 'PaymentConflictError';
}

interface Row extends Entitlement {
  provider_subscription_id: string | null;
}

const DAY = 86_400;

export function isProcessed(db: D1Database, provider: string, eventId: string): Promise<boolean> {
  return db
    .prepare('SELECT 1 AS seen FROM payment_events WHERE provider = ? AND id = ?')
    .bind(provider, eventId)
    .first('seen')
    .then((seen) => seen !== null);
}

function eventRecord(db: D1Database, provider: string, event: WebhookEvent, now: number): D1PreparedStatement {
  return db
    .prepare('INSERT INTO payment_events (provider, id, type, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .bind(provider, event.id, event.type, now);
}

/** Records an event that changes nothing (an unknown type, a subscription no one waits for). */
export async function recordEvent(db: D1Database, provider: string, event: WebhookEvent, now: number): Promise<void> {
  await eventRecord(db, provider, event, now).run();
}

/** Records that a logged-in or anonymous reader started a checkout, before they pay. */
export async function recordCheckoutStart(
  db: D1Database,
  provider: string,
  id: string,
  plan: string,
  startedBy: string | undefined,
  now: number,
  /** The offer or promo code the checkout charges, and the experiment arms (functions/experiments/outcomes.ts) its reader was exposed to. */
  extra: { offer?: string | undefined; code?: string | undefined; arms?: string | null } = {},
): Promise<void> {
  await db
    .prepare('INSERT INTO checkouts (provider, id, plan, started_by, created_at, offer, code, arms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .bind(provider, id, plan, startedBy ?? null, now, extra.offer ?? null, extra.code ?? null, extra.arms ?? null)
    .run();
}

/**
 * How long a checkout started with a promo code holds one of its redemptions: Stripe's checkout
 * sessions expire after a day. Without the hold, any number of checkouts started before the first
 * was paid would all get the code.
 */
export const CODE_HOLD_SECONDS = 86_400;

/**
 * How many of a promo code's redemptions are taken (as plans.json spells it): paid checkouts, and
 * checkouts started in the last CODE_HOLD_SECONDS and not paid yet. A duplicate purchase, refunded,
 * takes none.
 */
export async function codeRedemptions(db: D1Database, code: string, now: number): Promise<number> {
  return (
    (await db
      .prepare('SELECT COUNT(*) AS used FROM checkouts WHERE code = ? AND duplicate = 0 AND (completed_at IS NOT NULL OR created_at > ?)')
      .bind(code, now - CODE_HOLD_SECONDS)
      .first<number>('used')) ?? 0
  );
}

/** Whether an account has already bought a subscription through this offer: each offer is once per reader. */
export async function hadOffer(db: D1Database, accountId: string, offer: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS had FROM checkouts WHERE offer = ?1 AND (account_id = ?2 OR started_by = ?2) AND completed_at IS NOT NULL AND duplicate = 0 LIMIT 1')
    .bind(offer, accountId)
    .first<number>('had');
  return row === 1;
}

/** What became of a checkout: the account that got the subscription, and whether the purchase made it. */
export function checkoutOutcome(db: D1Database, provider: string, id: string) {
  return db
    .prepare('SELECT account_id, created_account, duplicate, started_by, plan FROM checkouts WHERE provider = ? AND id = ?')
    .bind(provider, id)
    .first<{ account_id: string | null; created_account: 0 | 1; duplicate: 0 | 1; started_by: string | null; plan: string }>();
}

/** The line the account page shows after a second subscription was cancelled and refunded. */
export function duplicateNotice(refund: Refund, at: number): string {
  const refunded = refund.amount > 0 ? ` and refunded ${formatMinor(refund.amount, refund.currency)}` : '';
  return `You already had a subscription when another checkout was paid on ${formatDay(new Date(at * 1000))}. We cancelled the second one${refunded}; your subscription goes on as before.`;
}

interface ApplyInput {
  provider: PaymentProvider;
  subscription: SubscriptionState;
  /** The checkout that bought it, when the caller is completing one: only then may an account be made. */
  checkout?: CheckoutState;
  /** The webhook event being applied; its record joins the batch. */
  event?: WebhookEvent;
  now: number;
}

/**
 * The account a subscription belongs to, from what D1 already knows, else by the buyer's email.
 * The email comes from the provider (the checkout, or its customer), never from the browser.
 */
async function owner(db: D1Database, input: ApplyInput): Promise<{ accountId?: string; email?: string }> {
  const { provider, subscription, checkout } = input;
  const known =
    (await db.prepare('SELECT account_id FROM subscriptions WHERE provider_subscription_id = ?').bind(subscription.id).first<string>('account_id')) ??
    (subscription.customerId
      ? await db.prepare('SELECT account_id FROM billing_customers WHERE provider = ? AND customer_id = ?').bind(provider.name, subscription.customerId).first<string>('account_id')
      : null) ??
    (checkout ? await db.prepare('SELECT started_by FROM checkouts WHERE provider = ? AND id = ?').bind(provider.name, checkout.id).first<string>('started_by') : null);
  if (known) return { accountId: known };
  const raw = checkout?.email ?? (subscription.customerId ? await provider.customerEmail(subscription.customerId) : null);
  const email = raw ? normalEmail(raw) : undefined;
  if (!email) return {};
  const byEmail = await db.prepare('SELECT id FROM accounts WHERE email = ?').bind(email).first<string>('id');
  return byEmail ? { accountId: byEmail, email } : { email };
}

/**
 * Applies a subscription's current state. For a new buyer (only while completing a checkout) it
 * makes a password-less account; an email that already has an account gets the subscription on
 * that account. An account whose subscription is live when another one is paid keeps the first:
 * the second is cancelled and refunded through the provider, and the account page says so.
 */
export async function applySubscription(db: D1Database, input: ApplyInput): Promise<Applied> {
  return withExperimentOutcomes(db, input, await applyState(db, input));
}

async function applyState(db: D1Database, input: ApplyInput): Promise<Applied> {
  const { provider, subscription: sub, checkout, event, now } = input;
  const live = sub.status === 'active' || sub.status === 'past_due';
  const { accountId, email } = await owner(db, input);

  if (!accountId && !(live && email && checkout)) {
    if (event) await recordEvent(db, provider.name, event, now);
    return { outcome: 'ignored', counts: [] };
  }

  const row = accountId
    ? await db.prepare('SELECT provider_subscription_id, status, current_period_end, past_due_since FROM subscriptions WHERE account_id = ?').bind(accountId).first<Row>()
    : null;
  if (accountId && row && row.provider_subscription_id !== sub.id && entitlement(row, now).reads) {
    if (!live) {
      // Already over (cancelled as a duplicate when an earlier event saw it): its checkout, if
      // this completes one, still belongs to the account, as the purchase that did not count.
      const writes = [
        ...(checkout ? [completedCheckout(db, input, { sql: '?1', value: accountId }, undefined, true)] : []),
        ...(event ? [eventRecord(db, provider.name, event, now)] : []),
      ];
      const counts = writes.length ? changes(input, await batchBetweenStates(db, input, { sql: '?1', value: accountId }, writes)) : [];
      return { outcome: 'ignored', counts };
    }
    const refund = await provider.cancelAndRefund(sub.id);
    const states = await batchBetweenStates(db, input, { sql: '?1', value: accountId }, [
      // The request that refunded writes the notice with the amount. Another event for the same
      // purchase, applied at the same moment, finds nothing left to refund: its notice, without
      // the amount, goes only where there is none, so it cannot replace the one that has it.
      db
        .prepare('UPDATE subscriptions SET notice = ?2 WHERE account_id = ?1 AND (?3 OR notice IS NULL)')
        .bind(accountId, duplicateNotice(refund, now), refund.amount > 0 ? 1 : 0),
      ...(checkout ? [completedCheckout(db, input, { sql: '?1', value: accountId }, undefined, true)] : []),
      ...(event ? [eventRecord(db, provider.name, event, now)] : []),
    ]);
    // Only the request that refunded has an amount: a retry or a racing event finds nothing left.
    const refunded: Count[] = refund.amount > 0 ? [{ event: 'refund', amount: refund.amount, currency: refund.currency }] : [];
    return { outcome: 'duplicate', accountId, refund, counts: [...changes(input, states), ...refunded] };
  }

  // The account: known, or made now for the buyer's email. Whichever request makes it first wins
  // (ON CONFLICT), and every later statement finds it by email, so a webhook and the reader's
  // return racing each other still end with one account.
  const newId = accountId ? undefined : crypto.randomUUID();
  // SQL for the account, as parameter ?1: its id, or found by the email it was made for.
  const account: Target = accountId ? { sql: '?1', value: accountId } : { sql: '(SELECT id FROM accounts WHERE email = ?1)', value: email! };
  const statements: D1PreparedStatement[] = [];
  if (newId) {
    statements.push(db.prepare('INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT (email) DO NOTHING').bind(newId, email!, now));
  }
  if (sub.customerId) {
    statements.push(
      db
        .prepare(`INSERT INTO billing_customers (provider, customer_id, account_id, created_at) VALUES (?2, ?3, ${account.sql}, ?4) ON CONFLICT DO NOTHING`)
        .bind(account.value, provider.name, sub.customerId, now),
    );
  }
  if (checkout) statements.push(completedCheckout(db, input, account, newId));
  if (sub.status !== 'incomplete') statements.push(subscriptionWrite(db, input, account));
  // The event counts as applied only if the account now holds this subscription; if another
  // write slipped in between (a second subscription paid at the same moment), the provider
  // retries and the next attempt sees it and takes the duplicate path above.
  if (event) {
    statements.push(
      sub.status === 'incomplete'
        ? eventRecord(db, provider.name, event, now)
        : db
            .prepare(
              `INSERT INTO payment_events (provider, id, type, received_at)
               SELECT ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM subscriptions WHERE account_id = ${account.sql} AND provider_subscription_id = ?6)
               ON CONFLICT DO NOTHING`,
            )
            .bind(account.value, provider.name, event.id, event.type, now, sub.id),
    );
  }
  const states = await batchBetweenStates(db, input, account, statements);

  const owned = await db
    .prepare(`SELECT account_id FROM subscriptions WHERE account_id = ${account.sql} AND provider_subscription_id = ?2`)
    .bind(account.value, sub.id)
    .first<string>('account_id');
  if (sub.status !== 'incomplete' && !owned) {
    throw new PaymentConflictError(`Subscription ${sub.id} could not be recorded: its account changed while it was being written`);
  }
  const id = owned ?? accountId ?? (await db.prepare('SELECT id FROM accounts WHERE email = ?').bind(email!).first<string>('id'));
  const counts = changes(input, states);
  return id ? { outcome: 'recorded', accountId: id, counts } : { outcome: 'ignored', counts };
}

/** What the newsroom compares: the account's subscription row and the checkout's completion. */
interface State {
  checkout_completed_at: number | null;
  provider_subscription_id: string | null;
  status: 'active' | 'past_due' | 'ended' | null;
  current_period_end: number | null;
  cancel_at_period_end: 0 | 1 | null;
  last_payment_at: number | null;
}

/**
 * Runs `writes` as one batch between two reads of the state they change, and returns both reads.
 * The batch is one transaction: nothing another request writes can fall between them.
 */
async function batchBetweenStates(db: D1Database, { provider, checkout }: ApplyInput, account: Target, writes: D1PreparedStatement[]): Promise<{ before: State; after: State }> {
  const state = db
    .prepare(
      `SELECT (SELECT completed_at FROM checkouts WHERE provider = ?2 AND id = ?3) AS checkout_completed_at,
              s.provider_subscription_id, s.status, s.current_period_end, s.cancel_at_period_end, s.last_payment_at
         FROM (SELECT 1) LEFT JOIN subscriptions s ON s.account_id = ${account.sql}`,
    )
    .bind(account.value, provider.name, checkout?.id ?? null);
  const results = await db.batch([state, ...writes, state]);
  return { before: results[0]!.results[0] as State, after: results.at(-1)!.results[0] as State };
}

const isLive = (status: State['status']) => status === 'active' || status === 'past_due';

/**
 * The counts of one state change: the checkout completed when this batch completed it, and the
 * subscription's change when this batch wrote this subscription onto the account.
 */
function changes({ subscription: sub, checkout }: ApplyInput, { before, after }: { before: State; after: State }): Count[] {
  const plan = sub.plan ?? '';
  const from = sub.attribution;
  const counts: Count[] = [];
  if (checkout && before.checkout_completed_at === null && after.checkout_completed_at !== null) counts.push({ event: 'checkout_completed', plan, from });
  if (after.provider_subscription_id !== sub.id) return counts;
  const held = before.provider_subscription_id === sub.id;
  const change = (change: SubscriptionChange) => counts.push({ event: 'subscription', change, plan, from });
  if (!held) {
    if (isLive(after.status)) change('started');
  } else if (after.status === 'ended') {
    if (before.status !== 'ended') change('ended');
  } else if (after.status === 'past_due') {
    if (before.status !== 'past_due') change('past_due');
  } else if (isLive(before.status) && before.last_payment_at !== null && (after.current_period_end! > before.current_period_end! || before.status === 'past_due')) {
    // Stripe moves the period on when a renewal fails, so paying it late moves nothing: still a
    // renewal. A trial's end moves the period too, but its first charge is no renewal: a renewal
    // follows a period that was paid for.
    change('renewed');
  }
  if (isLive(after.status) && after.cancel_at_period_end === 1 && !(held && before.cancel_at_period_end === 1)) change('cancelling');
  return counts;
}

/** An account in SQL, as parameter ?1 of the statement it is used in. */
interface Target {
  sql: string;
  value: string;
}

/**
 * Marks a checkout completed for an account; `newId` is the account this request tried to make,
 * and `duplicate` says the purchase was cancelled because the account was already subscribed.
 */
function completedCheckout(db: D1Database, { provider, checkout, subscription, now }: ApplyInput, account: Target, newId: string | undefined, duplicate = false): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO checkouts (provider, id, plan, created_at, account_id, created_account, duplicate, completed_at, story, story_via)
       VALUES (?2, ?3, ?4, ?5, ${account.sql}, CASE WHEN ${account.sql} = ?6 THEN 1 ELSE 0 END, ?7, ?5, ?8, ?9)
       ON CONFLICT (provider, id) DO UPDATE SET
         account_id = COALESCE(checkouts.account_id, excluded.account_id),
         created_account = MAX(checkouts.created_account, excluded.created_account),
         duplicate = MAX(checkouts.duplicate, excluded.duplicate),
         completed_at = COALESCE(checkouts.completed_at, excluded.completed_at),
         story = COALESCE(checkouts.story, excluded.story),
         story_via = COALESCE(checkouts.story_via, excluded.story_via)`,
    )
    .bind(
      account.value,
      provider.name,
      checkout!.id,
      subscription.plan ?? '',
      now,
      newId ?? null,
      duplicate ? 1 : 0,
      subscription.attribution?.story ?? null,
      subscription.attribution?.via ?? null,
    );
}

/**
 * The subscription's state, written over the account's row unless that row is newer, or holds
 * another subscription that is still live (a duplicate, handled by the caller on retry).
 * Razorpay does not report a cancellation at the period's end, so for it (?6 NULL) the row keeps
 * the subscriber's own wish.
 */
function subscriptionWrite(db: D1Database, { provider, subscription: sub, now }: ApplyInput, account: Target): D1PreparedStatement {
  const same = 'subscriptions.provider_subscription_id IS excluded.provider_subscription_id';
  return db
    .prepare(
      `INSERT INTO subscriptions (account_id, plan, status, current_period_end, past_due_since, cancel_at_period_end, provider,
         provider_subscription_id, last_payment_at, last_payment_amount, last_payment_currency, updated_at, story, story_via,
         next_charge_at, next_charge_amount, next_charge_currency)
       VALUES (${account.sql}, ?2, ?3, ?4, ?5, COALESCE(?6, 0), ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?15, ?16, ?17, ?18)
       ON CONFLICT (account_id) DO UPDATE SET
         plan = excluded.plan,
         status = excluded.status,
         current_period_end = excluded.current_period_end,
         past_due_since = excluded.past_due_since,
         cancel_at_period_end = CASE WHEN ?6 IS NOT NULL THEN ?6 WHEN ${same} THEN subscriptions.cancel_at_period_end ELSE 0 END,
         cancel_sent_at = CASE WHEN ${same} THEN subscriptions.cancel_sent_at END,
         notice = CASE WHEN ${same} THEN subscriptions.notice END,
         provider = excluded.provider,
         provider_subscription_id = excluded.provider_subscription_id,
         last_payment_at = COALESCE(excluded.last_payment_at, subscriptions.last_payment_at),
         last_payment_amount = COALESCE(excluded.last_payment_amount, subscriptions.last_payment_amount),
         last_payment_currency = COALESCE(excluded.last_payment_currency, subscriptions.last_payment_currency),
         updated_at = excluded.updated_at,
         story = excluded.story,
         story_via = excluded.story_via,
         next_charge_at = excluded.next_charge_at,
         next_charge_amount = excluded.next_charge_amount,
         next_charge_currency = excluded.next_charge_currency
       WHERE excluded.updated_at >= subscriptions.updated_at
         AND (${same}
              OR subscriptions.status = 'ended'
              OR CASE WHEN subscriptions.status = 'past_due'
                      THEN COALESCE(subscriptions.past_due_since, subscriptions.current_period_end) + ?13
                      ELSE subscriptions.current_period_end END <= ?12)`,
    )
    .bind(
      account.value,
      sub.plan ?? '',
      sub.status,
      sub.currentPeriodEnd,
      sub.pastDueSince,
      sub.cancelAtPeriodEnd === undefined ? null : sub.cancelAtPeriodEnd ? 1 : 0,
      provider.name,
      sub.id,
      sub.lastPayment?.at ?? null,
      sub.lastPayment?.amount ?? null,
      sub.lastPayment?.currency ?? null,
      now,
      settings.payments.graceDays * DAY,
      sub.attribution?.story ?? null,
      sub.attribution?.via ?? null,
      sub.nextCharge?.at ?? null,
      sub.nextCharge?.amount ?? null,
      sub.nextCharge?.currency ?? null,
    );
}
