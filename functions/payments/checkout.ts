import type { Context } from 'hono';
import { HOOKS, hook, PAGES, type CheckoutStateName } from '../../src/paywall/contract.ts';
import { escapeHtml } from '../../src/paywall/html.ts';
import { treatmentOf } from '../../src/paywall/experiments.ts';
import { checkCode, findCode, offerForCheckout } from '../../src/paywall/offers.ts';
import { findPlan, type Offer, type Plan, type PromoCode } from '../../src/paywall/plans.ts';
import { safeReturnPath } from '../accounts/return-path.ts';
import { entitlement } from '../../src/paywall/entitlement.ts';
import { findSession, hasSubscription } from '../accounts/store.ts';
import { attributionFor } from '../analytics/attribution.ts';
import { count } from '../analytics/index.ts';
import type { AppEnv } from '../env.ts';
import { readForm } from '../forms/index.ts';
import { attribute, builtPage, text } from '../pages/built.ts';
import { safePage, type SafeStatus } from '../pages/index.ts';
import { retryAfter } from '../response/index.ts';
import { logInAs, refreshSession } from '../session/issue.ts';
import { bindCheckout, boundCheckouts } from './binding.ts';
import { applySubscription, checkoutOutcome, codeRedemptions, hadOffer, recordCheckoutStart } from './ledger.ts';
import { OfferRefusedError, PaymentsConfigError, ProviderNotFoundError, ProviderUnavailableError } from './provider.ts';
import { paymentProvider } from './providers.ts';
import { exposedArms, runningNow } from '../experiments/index.ts';
import { armsColumn, outcomeCounts } from '../experiments/outcomes.ts';

interface ReturnView {
  /** The blocks of the page to keep: one outcome (and the password form with a welcome). */
  states: CheckoutStateName[];
  status: 200 | SafeStatus;
  plan?: Plan;
  /** Where "continue" leads: the story, or back to this page. */
  continueTo?: string;
  loginHref?: string;
  payUrl?: string;
  /** Where the reader was going, for the retry form and the way back. */
  returnTo?: string;
  /** The email of an account the purchase made, to confirm. */
  email?: string;
  retryAfter?: number;
}

/** The checkout return page from the build, showing one outcome. */
async function checkoutPage(c: Context<AppEnv>, view: ReturnView): Promise<Response> {
  const keep = new Set<string>(view.states);
  const field = (name: string) => hook(HOOKS.checkoutField, name);
  const rewriter = new HTMLRewriter()
    .on(hook(HOOKS.checkoutState), {
      element(block) {
        if (keep.has(block.getAttribute(HOOKS.checkoutState) ?? '')) block.removeAttribute('hidden');
        else block.remove();
      },
    })
    .on(field('plan'), text(view.plan?.name ?? ''))
    .on(field('retry-plan'), attribute('value', view.plan?.id ?? ''));
  if (view.continueTo) rewriter.on(field('continue'), attribute('href', view.continueTo));
  if (view.loginHref) rewriter.on(field('login'), attribute('href', view.loginHref));
  if (view.payUrl) rewriter.on(field('pay'), attribute('href', view.payUrl));
  if (view.email) rewriter.on(field('email'), text(view.email)).on(field('confirm-email'), attribute('value', view.email));
  if (view.returnTo) {
    rewriter
      .on(field('retry-return'), attribute('value', view.returnTo))
      .on(field('password-return'), attribute('value', view.returnTo))
      .on(field('confirm-return'), attribute('value', view.returnTo))
      .on(field('back'), attribute('href', view.returnTo));
  }
  if (view.retryAfter) retryAfter(c, view.retryAfter);
  return builtPage(c, PAGES.checkoutReturn, view.status, rewriter);
}

function loginLink(returnTo: string): string {
  return `${PAGES.login}?return=${encodeURIComponent(returnTo)}`;
}

/** A refused offer or code: why, and the way back to the plans. Nothing has been charged. */
function offerRefused(title: string, message: string): Response {
  return safePage(400, title, { detail: `${escapeHtml(message)} See <a href="${PAGES.subscribe}">our plans</a>.` });
}

/**
 * Starts a checkout for the plan on the card the reader chose (a POST from our own pages), with
 * the offer the card showed them, or the one a promo code gives (`code`, which names its plan). A
 * reader who is subscribed already goes to their account instead. Nothing is written to the
 * accounts until the provider says the reader has paid.
 */
export async function startCheckout(c: Context<AppEnv>): Promise<Response> {
  const form = await readForm(c, 'subscription');
  if (form instanceof Response) return form;
  const typedCode = form['code']?.trim() ?? '';
  const returnTo = safeReturnPath(form['return'], PAGES.account);
  const chosen = findPlan(form['plan'] ?? '');
  if (!chosen && !typedCode) return safePage(400, 'That is not one of our plans', { detail: `Choose one of <a href="${PAGES.subscribe}">our plans</a>.` });

  const now = Math.floor(Date.now() / 1000);
  const session = c.get('session');
  // D1 decides for our own sessions: a token may still say "subscriber" for a subscription that
  // has ended since it was issued, and that reader must be able to buy again. A token from an
  // identity provider has no account here to check.
  const record = session?.id ? await findSession(c.env.DB, session.id, now) : null;
  const subscribed = record ? hasSubscription(record) && entitlement(record, now).reads : session?.reader.kind === 'subscriber';
  if (subscribed) return c.redirect(PAGES.account, 303);

  // The form is the browser's word: the offer must be one this reader's cards show (the edge
  // decides who is lapsed), and a code must be known, current and not used up.
  let plan: Plan;
  let offer: Offer | undefined;
  let code: PromoCode | undefined;
  // The experiment arms this reader met: their outcomes are counted, and an arm's offer is theirs.
  const arms = await exposedArms(c, new Date(now * 1000));
  if (typedCode) {
    const known = findCode(typedCode);
    const checked = checkCode(typedCode, new Date(now * 1000), known ? await codeRedemptions(c.env.DB, known.code, now) : 0);
    if (!checked.ok) return offerRefused('That code does not work', checked.message);
    ({ plan, offer, code } = checked);
  } else {
    plan = chosen!;
    if (form['offer']) {
      const lapsed = record ? hasSubscription(record) && !entitlement(record, now).reads : session?.reader.kind === 'lapsed';
      const override = treatmentOf(arms, runningNow(c.env, new Date(now * 1000))).offer;
      offer = offerForCheckout(plan.id, form['offer'], { lapsed, override });
      if (!offer) return offerRefused('That offer is not open to you', 'The offer on that card is not one we can give you now; the plans show what we can.');
    }
  }
  // Each offer once per reader: a trial or a win-back bought, cancelled and bought again would be free for ever.
  if (offer && record && (await hadOffer(c.env.DB, record.account_id, offer.id))) {
    return offerRefused('You have had this offer', 'Each offer is for one subscription per reader, and yours has had it. The plans show our prices without it.');
  }

  const provider = paymentProvider(c.env);
  const customerId = record
    ? await c.env.DB.prepare('SELECT customer_id FROM billing_customers WHERE provider = ? AND account_id = ? ORDER BY created_at DESC LIMIT 1')
        .bind(provider.name, record.account_id)
        .first<string>('customer_id')
    : null;
  // The plan cards under a story's wall send the story as `return`.
  const attribution = await attributionFor(c, returnTo, 'wall');
  let started;
  try {
    started = await provider.startCheckout({
      plan,
      origin: new URL(c.req.url).origin,
      cancelPath: returnTo,
      ...(record ? { account: { id: record.account_id, email: record.email, ...(customerId ? { customerId } : {}) } } : {}),
      attribution,
      ...(offer ? { offer } : {}),
      ...(code ? { code } : {}),
    });
  } catch (error) {
    if (error instanceof OfferRefusedError) return offerRefused('That code does not work', error.message);
    // Not found: a customer of this account that the provider no longer has.
    if (!(error instanceof ProviderUnavailableError || error instanceof PaymentsConfigError || error instanceof ProviderNotFoundError)) throw error;
    console.error(`payments: could not start a checkout for ${plan.id}:`, error);
    return checkoutPage(c, { states: ['unavailable'], status: 503, plan, returnTo, retryAfter: 30 });
  }
  await recordCheckoutStart(c.env.DB, provider.name, started.id, plan.id, record?.account_id, now, { offer: offer?.id, code: code?.code, arms: armsColumn(arms) });
  count(c, { event: 'checkout_started', plan: plan.id, from: attribution }, ...outcomeCounts(arms, 'checkout'));
  await bindCheckout(c, { provider: provider.name, id: started.id, returnTo });
  const back = `${PAGES.checkoutReturn}?checkout=${encodeURIComponent(started.id)}`;
  if (started.returns === 'redirect') return c.redirect(started.url, 303);
  return checkoutPage(c, { states: ['pending'], status: 200, plan, payUrl: started.url, continueTo: back, returnTo });
}

/**
 * The return from the payment page. It trusts nothing in its URL: the checkout must be one this
 * browser started (its signed binding cookie), and whether it was paid, by whom, for what, is
 * read from the provider. It logs in only this browser, and only as the account the purchase made
 * or the one already logged in; an email that already had an account must log in to it. An
 * account the purchase made is unconfirmed until a log-in link proves its email (migration 0004).
 */
export async function checkoutReturn(c: Context<AppEnv>): Promise<Response> {
  const provider = paymentProvider(c.env);
  const id = c.req.query('checkout') ?? '';
  const bound = (await boundCheckouts(c)).find((candidate) => candidate.id === id && candidate.provider === provider.name);
  if (!bound) return checkoutPage(c, { states: ['unmatched'], status: 400 });
  const here = `${PAGES.checkoutReturn}?checkout=${encodeURIComponent(id)}`;
  const started = await checkoutOutcome(c.env.DB, provider.name, id);
  const plan = findPlan(started?.plan ?? '');
  const now = Math.floor(Date.now() / 1000);

  let applied;
  try {
    const checkout = await provider.readCheckout(id);
    if (!checkout.paid || !checkout.subscriptionId) {
      return checkoutPage(c, { states: ['unpaid'], status: 402, ...(plan ? { plan } : {}), returnTo: bound.returnTo });
    }
    const subscription = await provider.readSubscription(checkout.subscriptionId);
    applied = await applySubscription(c.env.DB, { provider, subscription, checkout, now });
    // Counted only if this return made the change; the webhooks count it otherwise.
    count(c, ...applied.counts);
  } catch (error) {
    // Bound to this browser but unknown to the provider (as after a change of keys): no retry finds it.
    if (error instanceof ProviderNotFoundError) return checkoutPage(c, { states: ['unmatched'], status: 400 });
    if (!(error instanceof ProviderUnavailableError)) throw error;
    console.error(`payments: could not confirm checkout ${id}:`, error);
    return checkoutPage(c, { states: ['unconfirmed'], status: 503, continueTo: here, retryAfter: 10 });
  }
  // A purchase cancelled earlier as a duplicate reads as ended now; the checkout remembers it.
  const outcome = await checkoutOutcome(c.env.DB, provider.name, id);
  const accountId = applied.outcome === 'ignored' ? outcome?.account_id : applied.accountId;
  if (!accountId) return checkoutPage(c, { states: ['unpaid'], status: 402, ...(plan ? { plan } : {}), returnTo: bound.returnTo });

  const session = c.get('session');
  const current = session?.id ? await findSession(c.env.DB, session.id, now) : null;
  if (current?.account_id === accountId) {
    await refreshSession(c, current, session!.id!);
  } else if (outcome?.created_account === 1 && outcome.account_id === accountId) {
    const subscription = await c.env.DB.prepare('SELECT plan, status, current_period_end, past_due_since FROM subscriptions WHERE account_id = ?')
      .bind(accountId)
      .first<{ plan: string; status: 'active' | 'past_due' | 'ended'; current_period_end: number; past_due_since: number | null }>();
    if (subscription) await logInAs(c, { account_id: accountId, ...subscription });
  } else {
    return checkoutPage(c, { states: ['log-in'], status: 200, loginHref: loginLink(bound.returnTo) });
  }

  if (applied.outcome === 'duplicate' || outcome?.duplicate === 1) {
    return checkoutPage(c, { states: ['duplicate'], status: 200, continueTo: bound.returnTo });
  }
  const account = await c.env.DB.prepare('SELECT email, password_hash IS NOT NULL AS has_password, email_confirmed_at IS NOT NULL AS confirmed FROM accounts WHERE id = ?')
    .bind(accountId)
    .first<{ email: string; has_password: 0 | 1; confirmed: 0 | 1 }>();
  if (!account || account.has_password) return c.redirect(bound.returnTo, 303);
  // An email typed on the payment page is not proven: a password waits until it is.
  return checkoutPage(c, {
    states: ['welcome', account.confirmed ? 'set-password' : 'confirm-email'],
    email: account.email,
    status: 200,
    ...(plan ? { plan } : {}),
    continueTo: bound.returnTo,
    returnTo: bound.returnTo,
  });
}
