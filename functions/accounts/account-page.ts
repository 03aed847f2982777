import type { Context } from 'hono';
import { HOOKS, hook, PAGES } from '../../src/paywall/contract.ts';
import { formatDay } from '../../src/paywall/dates.ts';
import { accessEnds } from '../../src/paywall/entitlement.ts';
import { findPlan, formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { attribute, builtPage, showIf, text } from '../pages/built.ts';
import { CANCEL_NOTICE_SECONDS } from '../payments/cancellations.ts';
import { refreshSession } from '../session/issue.ts';
import { syncSubscription } from '../payments/sync.ts';
import { findSession, type SessionRecord } from './store.ts';

const day = (seconds: number) => formatDay(new Date(seconds * 1000));

/** Whether the subscription on this account still lets its reader read. */
export function isLive(record: Pick<SessionRecord, 'status' | 'current_period_end' | 'past_due_since'>, now: number): boolean {
  return record.status !== 'ended' && accessEnds(record) > now;
}

/** A cancellation that the provider can no longer take back (Razorpay, once it has been sent). */
function cancellationIsFinal(record: SessionRecord): boolean {
  return record.cancel_sent_at !== null;
}

/** The subscription's state in words, with the date that matters for it. */
export function statusLine(record: SessionRecord, now: number): string {
  if (!isLive(record, now)) return `Ended on ${day(Math.min(accessEnds(record), now))}.`;
  if (record.status === 'past_due') {
    return `Your last payment did not go through. You can keep reading until ${day(accessEnds(record))} while the card is tried again: update your card to keep your subscription.`;
  }
  if (!record.provider) return `Active until ${day(record.current_period_end)}.`;
  if (record.cancel_at_period_end) {
    // Razorpay cannot take a cancellation back once it has it: it is passed on two days early.
    const lastChance = record.provider === 'razorpay' ? record.current_period_end - CANCEL_NOTICE_SECONDS : record.current_period_end;
    const undo = cancellationIsFinal(record) ? '' : ` You can change your mind until ${day(lastChance)}.`;
    return `Cancelled: you can read until ${day(record.current_period_end)}, and it will not renew.${undo}`;
  }
  return `Active. Renews on ${day(record.current_period_end)}.`;
}

function lastPayment(record: SessionRecord): string | undefined {
  if (record.last_payment_at === null || record.last_payment_amount === null) return undefined;
  return `${formatMinor(record.last_payment_amount, record.last_payment_currency ?? settings.currency)} on ${day(record.last_payment_at)}`;
}

/** Which of the page's actions this reader gets. */
export function actionsFor(record: SessionRecord, now: number) {
  const live = isLive(record, now);
  const ours = record.provider === settings.payments.provider;
  return {
    billing: ours && record.provider === 'stripe',
    cancel: live && ours && !record.cancel_at_period_end,
    resume: live && ours && record.cancel_at_period_end === 1 && !cancellationIsFinal(record),
    renew: !live,
  };
}

/**
 * The account page. Coming back from the provider's billing page (`?billing=return`), it first
 * reads the subscription from the provider, and always hands the reader a token that carries the
 * subscription as it stands now.
 */
export async function accountPage(c: Context<AppEnv>): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  let record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!sessionId || !record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  if (c.req.query('billing') === 'return' && record.provider_subscription_id) {
    await syncSubscription(c.env, record.provider_subscription_id, now);
    record = (await findSession(c.env.DB, sessionId, now))!;
  }
  await refreshSession(c, record, sessionId);

  const actions = actionsFor(record, now);
  const payment = lastPayment(record);
  const field = (name: string) => hook(HOOKS.accountField, name);
  const rewriter = new HTMLRewriter()
    .on(field('notice'), showIf(record.notice !== null))
    .on(field('notice'), text(record.notice ?? ''))
    .on(field('email'), text(record.email))
    .on(field('plan'), text(findPlan(record.plan)?.name ?? record.plan))
    .on(field('status'), text(statusLine(record, now)))
    .on(field('last-payment-row'), showIf(payment !== undefined))
    .on(field('last-payment'), text(payment ?? ''))
    .on(field('billing'), showIf(actions.billing))
    .on(field('cancel'), showIf(actions.cancel))
    .on(field('resume'), showIf(actions.resume))
    .on(field('renew'), showIf(actions.renew))
    .on(field('password-title'), text(record.has_password ? 'Change your password' : 'Set a password'))
    .on(field('current-password'), showIf(record.has_password === 1));
  if (record.has_password) rewriter.on('input[name="current"]', attribute('required', ''));
  return builtPage(c, PAGES.account, 200, rewriter);
}
