import type { Context } from 'hono';
import { HOOKS, hook, PAGES } from '../../src/paywall/contract.ts';
import { formatDay } from '../../src/paywall/dates.ts';
import { entitlement } from '../../src/paywall/entitlement.ts';
import { findPlan, formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { feedMadeAt } from '../feeds/store.ts';
import { giftListHtml } from '../gifts/list.ts';
import { giftsOf } from '../gifts/store.ts';
import { attribute, builtPage, showIf, text } from '../pages/built.ts';
import { CANCEL_NOTICE_SECONDS } from '../payments/cancellations.ts';
import { refreshSession } from '../session/issue.ts';
import { syncSubscription } from '../payments/sync.ts';
import { count } from '../analytics/index.ts';
import { findSession, hasSubscription, type SessionRecord, type SubscribedSession } from './store.ts';

const day = (seconds: number) => formatDay(new Date(seconds * 1000));

/** A cancellation that the provider can no longer take back (Razorpay, once it has been sent). */
function cancellationIsFinal(record: SubscribedSession): boolean {
  return record.cancel_sent_at !== null;
}

/** The subscription's state in words, with the date that matters for it. */
export function statusLine(record: SessionRecord, now: number): string {
  if (!hasSubscription(record)) {
    const stories = settings.registeredStoriesPerMonth || settings.freeStoriesPerMonth;
    return `None yet. Your free account gives you ${stories} free ${stories === 1 ? 'story' : 'stories'} a month, on every device you log in on.`;
  }
  const access = entitlement(record, now);
  if (!access.reads) return `Ended on ${day(access.until)}.`;
  if (record.status === 'past_due') {
    return `Your last payment did not go through. You can keep reading until ${day(access.until)} while the card is tried again: update your card to keep your subscription.`;
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
  if (!hasSubscription(record) || record.last_payment_at === null || record.last_payment_amount === null) return undefined;
  return `${formatMinor(record.last_payment_amount, record.last_payment_currency ?? settings.currency)} on ${day(record.last_payment_at)}`;
}

/** "₹900 on 5 March 2027": what the provider will charge next, while the subscription renews. */
export function nextCharge(record: SessionRecord, now: number): string | undefined {
  if (!hasSubscription(record) || record.next_charge_at === null || record.next_charge_amount === null) return undefined;
  if (record.cancel_at_period_end || !entitlement(record, now).reads || record.status !== 'active') return undefined;
  return `${formatMinor(record.next_charge_amount, record.next_charge_currency ?? settings.currency)} on ${day(record.next_charge_at)}`;
}

/** Which of the page's actions this reader gets. */
export function actionsFor(record: SessionRecord, now: number) {
  if (!hasSubscription(record)) return { billing: false, cancel: false, resume: false, renew: true, gifts: false, feed: false };
  const live = entitlement(record, now).reads;
  const ours = record.provider === settings.payments.provider;
  return {
    billing: ours && record.provider === 'stripe',
    cancel: live && ours && !record.cancel_at_period_end,
    resume: live && ours && record.cancel_at_period_end === 1 && !cancellationIsFinal(record),
    renew: !live,
    gifts: live && record.email_confirmed === 1 && settings.gifts.perMonth > 0,
    feed: live && record.email_confirmed === 1,
  };
}

/** Shown once, in answer to a form: a new private feed address. */
export interface JustMade {
  feedAddress?: string;
}

/**
 * The account page. Coming back from the provider's billing page (`?billing=return`), it first
 * reads the subscription from the provider, and always hands the reader a token that carries the
 * subscription as it stands now. A registered reader (no subscription) sees their free account
 * and the way to subscribe; a subscriber also their gifts and their private feed. An account a
 * checkout made, whose email is not proven yet, is offered a link to confirm it instead of a password.
 */
export async function accountPage(c: Context<AppEnv>, justMade: JustMade = {}): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  let record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!sessionId || !record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  if (c.req.query('billing') === 'return' && hasSubscription(record) && record.provider_subscription_id) {
    count(c, ...(await syncSubscription(c.env, record.provider_subscription_id, now)));
    record = (await findSession(c.env.DB, sessionId, now))!;
  }
  await refreshSession(c, record, sessionId);

  const actions = actionsFor(record, now);
  const payment = lastPayment(record);
  const next = nextCharge(record, now);
  const gifts = hasSubscription(record) ? await giftsOf(c.env.DB, record.account_id) : [];
  const giftsHtml = await giftListHtml(c.env.SIGNING_SECRET, new URL(c.req.url).origin, gifts, now);
  const feedMade = actions.feed && !justMade.feedAddress ? await feedMadeAt(c.env.DB, record.account_id) : null;
  const field = (name: string) => hook(HOOKS.accountField, name);
  const rewriter = new HTMLRewriter()
    .on(field('notice'), showIf(record.notice !== null))
    .on(field('notice'), text(record.notice ?? ''))
    .on(field('email'), text(record.email))
    .on(field('plan'), text(record.plan === null ? 'Free account' : (findPlan(record.plan)?.name ?? record.plan)))
    .on(field('status'), text(statusLine(record, now)))
    .on(field('last-payment-row'), showIf(payment !== undefined))
    .on(field('last-payment'), text(payment ?? ''))
    .on(field('next-charge-row'), showIf(next !== undefined))
    .on(field('next-charge'), text(next ?? ''))
    .on(field('billing'), showIf(actions.billing))
    .on(field('cancel'), showIf(actions.cancel))
    .on(field('resume'), showIf(actions.resume))
    .on(field('renew'), showIf(actions.renew))
    .on(field('renew-link'), text(record.plan === null ? 'Choose a plan' : 'Renew your subscription'))
    .on(field('gifts'), showIf(actions.gifts || gifts.length > 0))
    .on(field('gifts-none'), showIf(gifts.length === 0))
    .on(field('gift-list'), { element: (list) => void (gifts.length ? list.setInnerContent(giftsHtml, { html: true }) : list.remove()) })
    .on(field('feed'), showIf(actions.feed))
    .on(field('feed-new'), showIf(justMade.feedAddress !== undefined))
    .on(field('feed-address'), attribute('value', justMade.feedAddress ?? ''))
    .on(field('feed-made'), showIf(feedMade !== null))
    .on(field('feed-date'), text(feedMade === null ? '' : day(feedMade)))
    .on(field('feed-button'), text(justMade.feedAddress || feedMade !== null ? 'Make a new address' : 'Make my feed address'))
    .on(field('confirm'), showIf(record.email_confirmed === 0))
    .on(field('confirm-email'), attribute('value', record.email))
    .on(field('password'), showIf(record.email_confirmed === 1))
    .on(field('password-title'), text(record.has_password ? 'Change your password' : 'Set a password'))
    .on(field('current-password'), showIf(record.has_password === 1));
  if (record.has_password) rewriter.on('input[name="current"]', attribute('required', ''));
  return builtPage(c, PAGES.account, 200, rewriter);
}
