// The pages a reader sees: Stripe Checkout, Razorpay's hosted subscription page and Stripe's
// billing portal. Payments go through the same state-machine calls as POST /_control/checkouts/:id/pay.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeInterval } from './billing-cycle.ts';
import type { CardInput } from './cards.ts';
import { BodyTooLargeError, matchPath, readBody, redirect, sendHtml } from './http.ts';
import { formatMoney } from './money.ts';
import type { FormProblem } from './pages.ts';
import { cardFields, formatDate, html, input, page, problemAlert } from './pages.ts';
import { expireIfDue, nextChargeAmount, paySubscription, planOf } from './razorpay-billing.ts';
import { intervalOfPlan } from './razorpay-entities.ts';
import type { SubscriptionRecord } from './razorpay-entities.ts';
import type { RazorpayAccount, StripeAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import { knownEmail, payCheckout, updateCard, updateSubscription } from './stripe-billing.ts';
import { AUTOMATIC, intervalOf, itemOf } from './stripe-objects.ts';
import type { CheckoutRecord, PortalSession, Subscription } from './stripe-objects.ts';

/** The card as a form posts it. */
function cardFromForm(form: URLSearchParams): CardInput {
  return { name: form.get('name') ?? undefined, number: form.get('number') ?? undefined, expiry: form.get('expiry') ?? undefined, cvc: form.get('cvc') ?? undefined };
}

function closedPage(res: ServerResponse, status: number, title: string, message: string, link?: { href: string; text: string }): void {
  sendHtml(res, status, page(title, html`<h1>${title}</h1><p>${message}</p>${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}`));
}

// --- Stripe Checkout ---------------------------------------------------------------------------

function stripeProductName(account: StripeAccount, record: CheckoutRecord): string {
  return account.data.products.get(String(record.price.product))?.name ?? 'Subscription';
}

function checkoutPage(
  account: StripeAccount,
  record: CheckoutRecord,
  entered: { email?: string | undefined; name?: string | undefined; promotionCode?: string | undefined },
  problem?: FormProblem,
): string {
  const { session, price, quantity } = record;
  const total = formatMoney((price.unit_amount ?? 0) * quantity, price.currency);
  const every = describeInterval(intervalOf(price));
  const email = knownEmail(account, session);
  const name = stripeProductName(account, record);
  const today = formatMoney(session.amount_total ?? 0, price.currency);
  const coupon = record.discount ? account.data.coupons.get(record.discount.coupon) : undefined;
  const terms = [
    record.trialDays ? `${record.trialDays} days free` : '',
    coupon && session.total_details?.amount_discount ? `${formatMoney(session.total_details.amount_discount, price.currency)} off (${coupon.name ?? coupon.id}, ${coupon.duration === 'repeating' ? `for ${coupon.duration_in_months} months` : coupon.duration})` : '',
  ].filter(Boolean);
  return page(
    `Subscribe to ${name}`,
    html`<h1>Subscribe to ${name}</h1>
<p class="price"><strong>${total}</strong> ${every}${quantity > 1 ? ` (${quantity} × ${formatMoney(price.unit_amount ?? 0, price.currency)})` : ''}</p>
${terms.length ? html`<p class="offer">${terms.join('; ')}. Due today: <strong>${today}</strong></p>` : ''}
<form class="pay" method="post" action="/c/pay/${session.id}" novalidate>
${problemAlert(problem)}
${input({ name: 'email', label: 'Email', type: 'email', value: email ?? entered.email, autocomplete: 'email', readonly: email !== undefined, problemField: 'email' }, problem)}
${record.allowPromotionCodes ? input({ name: 'promotion_code', label: 'Promotion code', type: 'text', value: entered.promotionCode, autocomplete: 'off', problemField: 'promotion_code' }, problem) : ''}
${cardFields(entered.name, problem)}
<button type="submit">Pay ${record.allowPromotionCodes || terms.length ? today : total}</button>
</form>
${session.cancel_url ? html`<p><a href="${session.cancel_url}">Back</a></p>` : ''}`,
  );
}

async function stripeCheckout(context: ProviderContext, req: IncomingMessage, res: ServerResponse, account: StripeAccount, record: CheckoutRecord): Promise<void> {
  const { session } = record;
  if (session.status !== 'open') {
    const paid = session.status === 'complete';
    const back = paid ? session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : session.cancel_url;
    closedPage(
      res,
      req.method === 'POST' ? 409 : 200,
      paid ? 'Already paid' : 'Checkout expired',
      paid ? 'This checkout has already been paid; nothing more is charged.' : 'This checkout has expired. Go back to the site and start again.',
      back ? { href: back, text: 'Back to the site' } : undefined,
    );
    return;
  }
  if (req.method !== 'POST') {
    sendHtml(res, 200, checkoutPage(account, record, {}));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const email = form.get('email') ?? undefined;
  const promotionCode = form.get('promotion_code') ?? undefined;
  const result = payCheckout(context, account, record, { email, card: cardFromForm(form), promotionCode });
  if (!result.ok) {
    sendHtml(res, result.status, checkoutPage(account, record, { email, name: form.get('name') ?? undefined, promotionCode }, result));
    return;
  }
  if (result.redirectUrl) redirect(res, result.redirectUrl);
  else closedPage(res, 200, 'Payment successful', 'Your subscription is active. You can close this tab and go back to the site.');
}

// --- Razorpay hosted subscription page ---------------------------------------------------------

function razorpayPage(account: RazorpayAccount, record: SubscriptionRecord, entered: { email?: string | undefined; contact?: string | undefined; name?: string | undefined }, problem?: FormProblem): string {
  const { subscription } = record;
  const plan = planOf(account, subscription);
  const amount = formatMoney(plan.item.amount * subscription.quantity, plan.item.currency);
  const known = subscription.customer_id ? account.data.customers.get(subscription.customer_id) : undefined;
  const later = subscription.start_at !== null && subscription.start_at > Date.now() / 1000;
  const first = formatMoney(nextChargeAmount(account, subscription), plan.item.currency);
  const today = later ? formatMoney(0, plan.item.currency) : first;
  const offer = subscription.offer_id ? account.data.offers.get(subscription.offer_id) : undefined;
  const terms = [
    later ? `First charge of ${first} on ${formatDate(subscription.start_at!)}` : '',
    offer ? `${offer.name}: ${formatMoney(offer.discount_amount, plan.item.currency)} off ${offer.payment_count === 1 ? 'the first payment' : `each of the first ${offer.payment_count} payments`}` : '',
  ].filter(Boolean);
  return page(
    plan.item.name,
    html`<h1>${plan.item.name}</h1>
<p class="price"><strong>${amount}</strong> ${describeInterval(intervalOfPlan(plan))}, ${subscription.total_count} ${subscription.total_count === 1 ? 'payment' : 'payments'}</p>
${plan.item.description ? html`<p>${plan.item.description}</p>` : ''}
${terms.length ? html`<p class="offer">${terms.join('. ')}. Due today: <strong>${today}</strong></p>` : ''}
<form class="pay" method="post" action="/rzp/i/${subscription.id}" novalidate>
${problemAlert(problem)}
${input({ name: 'email', label: 'Email', type: 'email', value: entered.email ?? known?.email ?? undefined, autocomplete: 'email', problemField: 'email' }, problem)}
${input({ name: 'contact', label: 'Phone', type: 'tel', value: entered.contact ?? known?.contact ?? undefined, autocomplete: 'tel', inputmode: 'tel', placeholder: '+91 98765 43210', problemField: 'contact' }, problem)}
${cardFields(entered.name, problem)}
<button type="submit">Pay ${today}</button>
</form>`,
  );
}

async function razorpaySubscription(context: ProviderContext, req: IncomingMessage, res: ServerResponse, account: RazorpayAccount, record: SubscriptionRecord): Promise<void> {
  expireIfDue(record);
  const { subscription } = record;
  if (subscription.status !== 'created') {
    const closed: Record<string, [string, string]> = {
      expired: ['Link expired', 'This subscription link has expired. Go back to the site and start again.'],
      cancelled: ['Subscription cancelled', 'This subscription was cancelled; it can no longer be paid.'],
    };
    const [title, message] = closed[subscription.status] ?? ['Already paid', 'This subscription is already paid; nothing more is charged. You can close this tab.'];
    closedPage(res, req.method === 'POST' ? 409 : 200, title, message);
    return;
  }
  if (req.method !== 'POST') {
    sendHtml(res, 200, razorpayPage(account, record, {}));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const entered = { email: form.get('email') ?? undefined, contact: form.get('contact') ?? undefined, name: form.get('name') ?? undefined };
  const result = paySubscription(context, account, record, { ...entered, card: cardFromForm(form) });
  if (!result.ok) {
    sendHtml(res, result.status, razorpayPage(account, record, entered, result));
    return;
  }
  // The real hosted page does not send the reader back to the site; it says so and stops here.
  closedPage(res, 200, 'Payment successful', 'Your payment succeeded and your subscription is active. You can close this tab and go back to the site.');
}

// --- Stripe billing portal ---------------------------------------------------------------------

function siteName(returnUrl: string | null): string {
  return returnUrl ? new URL(returnUrl).host : 'the site';
}

function portalSubscriptions(account: StripeAccount, portal: PortalSession): Subscription[] {
  return [...account.data.subscriptions.values()].filter((subscription) => subscription.customer === portal.customer && subscription.status !== 'incomplete').reverse();
}

function subscriptionState(subscription: Subscription): string {
  const end = formatDate(itemOf(subscription).current_period_end);
  switch (subscription.status) {
    case 'active':
      return subscription.cancel_at_period_end ? `Active; cancels on ${end}` : `Active; renews on ${end}`;
    case 'past_due':
      return 'Past due: the last payment failed. Update your card to pay it.';
    case 'canceled':
      return `Canceled; ended on ${formatDate(subscription.ended_at ?? itemOf(subscription).current_period_end)}`;
    default:
      return subscription.status;
  }
}

function portalPage(account: StripeAccount, portal: PortalSession, notice?: string): string {
  const base = `/p/session/${portal.id}`;
  const customer = account.data.customers.get(portal.customer);
  const rows = portalSubscriptions(account, portal).map((subscription) => {
    const item = itemOf(subscription);
    const name = account.data.products.get(String(item.price.product))?.name ?? 'Subscription';
    const amount = formatMoney((item.price.unit_amount ?? 0) * (item.quantity ?? 1), item.price.currency);
    const live = subscription.status !== 'canceled';
    return html`<section class="card" aria-labelledby="h-${subscription.id}">
<h2 id="h-${subscription.id}">${name}</h2>
<p><strong>${amount}</strong> ${describeInterval(intervalOf(item.price))}</p>
<p>${subscriptionState(subscription)}</p>
${
  live
    ? html`<form method="post" action="${base}/subscriptions/${subscription.id}/cancel-at-period-end">
<input type="hidden" name="cancel" value="${subscription.cancel_at_period_end ? 'false' : 'true'}">
<button type="submit" class="secondary">${subscription.cancel_at_period_end ? "Don't cancel" : 'Cancel at period end'}</button>
</form>
<p><a href="${base}/subscriptions/${subscription.id}/card">Update card</a></p>`
    : ''
}
</section>`;
  });
  return page(
    'Your subscriptions',
    html`<h1>Your subscriptions</h1>
<p>${customer?.email ?? portal.customer}</p>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${rows.length ? rows : html`<p>You have no subscriptions.</p>`}
${portal.return_url ? html`<p><a href="${portal.return_url}">Return to ${siteName(portal.return_url)}</a></p>` : ''}`,
  );
}

function cardPage(portal: PortalSession, subscription: Subscription, name: string | undefined, problem?: FormProblem): string {
  const base = `/p/session/${portal.id}`;
  return page(
    'Update card',
    html`<h1>Update card</h1>
<p>${subscription.status === 'past_due' ? 'The open invoice is paid with this card straight away.' : 'Future renewals are charged to this card.'}</p>
<form class="pay" method="post" action="${base}/subscriptions/${subscription.id}/card" novalidate>
${problemAlert(problem)}
${cardFields(name, problem)}
<button type="submit">Save card</button>
</form>
<p><a href="${base}">Back to your subscriptions</a></p>`,
  );
}

const NOTICES: Record<string, string> = {
  'card-updated': 'Your card was updated.',
  'invoice-paid': 'Your card was updated and the open invoice is paid. Your subscription is active again.',
  'cancel-scheduled': 'Your subscription will be canceled at the end of the period.',
  'cancel-undone': 'Your subscription will renew as usual.',
};

async function portal(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL, account: StripeAccount, session: PortalSession, rest: string): Promise<void> {
  const base = `/p/session/${session.id}`;
  if (rest === '') {
    sendHtml(res, 200, portalPage(account, session, NOTICES[url.searchParams.get('done') ?? '']));
    return;
  }
  const action = /^\/subscriptions\/([^/]+)\/(cancel-at-period-end|card)$/.exec(rest);
  const subscription = action?.[1] ? account.data.subscriptions.get(action[1]) : undefined;
  if (!action || !subscription || subscription.customer !== session.customer) {
    closedPage(res, 404, 'Not found', 'There is no such subscription on this portal page.', { href: base, text: 'Back to your subscriptions' });
    return;
  }
  if (action[2] === 'cancel-at-period-end' && req.method === 'POST') {
    const cancel = new URLSearchParams(await readBody(req)).get('cancel') === 'true';
    if (subscription.status !== 'canceled') updateSubscription(context, account, subscription, { cancelAtPeriodEnd: cancel }, AUTOMATIC);
    redirect(res, `${base}?done=${cancel ? 'cancel-scheduled' : 'cancel-undone'}`);
  } else if (action[2] === 'card' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const result = updateCard(context, account, subscription, cardFromForm(form));
    if (result.ok) redirect(res, `${base}?done=${result.paidInvoice ? 'invoice-paid' : 'card-updated'}`);
    else sendHtml(res, result.status, cardPage(session, subscription, form.get('name') ?? undefined, result));
  } else if (action[2] === 'card') {
    sendHtml(res, 200, cardPage(session, subscription, undefined));
  } else {
    redirect(res, base);
  }
}

// --- routing ------------------------------------------------------------------------------------

const notFound = (res: ServerResponse): void => closedPage(res, 404, 'Page not found', 'This link does not lead to a checkout, subscription or portal page of the local test provider.');

/** Serves /c/pay/:id, /rzp/i/:id and /p/session/:id…; true if the path was one of them. */
export async function handleHostedPage(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  try {
    return await servePage(context, req, res, url);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    closedPage(res, 413, 'Form too large', 'That form was larger than any payment form can be. Go back and try again.');
    return true;
  }
}

async function servePage(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const checkout = matchPath('/c/pay/:id', url.pathname);
  if (checkout) {
    const account = context.accounts.pageOwner(checkout['id'] ?? '');
    const record = account?.provider === 'stripe' ? account.data.checkoutSessions.get(checkout['id'] ?? '') : undefined;
    if (account?.provider === 'stripe' && record) await stripeCheckout(context, req, res, account, record);
    else notFound(res);
    return true;
  }
  const hosted = matchPath('/rzp/i/:id', url.pathname);
  if (hosted) {
    const account = context.accounts.pageOwner(hosted['id'] ?? '');
    const record = account?.provider === 'razorpay' ? account.data.subscriptions.get(hosted['id'] ?? '') : undefined;
    if (account?.provider === 'razorpay' && record) await razorpaySubscription(context, req, res, account, record);
    else notFound(res);
    return true;
  }
  const portalPath = /^\/p\/session\/([^/]+)(.*)$/.exec(url.pathname);
  if (portalPath?.[1] !== undefined) {
    const account = context.accounts.pageOwner(portalPath[1]);
    const session = account?.provider === 'stripe' ? account.data.portalSessions.get(portalPath[1]) : undefined;
    if (account?.provider === 'stripe' && session) await portal(context, req, res, url, account, session, portalPath[2] ?? '');
    else notFound(res);
    return true;
  }
  return false;
}
