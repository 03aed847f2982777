// The Stripe subscription state machine: every change of a subscription's status, period,
// invoices and payments happens here, whether the API, a hosted page or a control asked for it,
// and each action ends by publishing the events Stripe would send for it, as one batch.
import type Stripe from 'stripe';
import { afterCycles, nowSeconds } from './billing-cycle.ts';
import type { CardInput } from './cards.ts';
import { checkCard, isEmailAddress } from './cards.ts';
import { TransitionError } from './outcomes.ts';
import type { PaymentRefusal } from './outcomes.ts';
import { newId } from './ids.ts';
import { amountOff, couponProblem, findPromotionCode, promotionCodeProblem } from './stripe-discounts.ts';
import type { StripeAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import {
  AUTOMATIC,
  copy,
  intervalOf,
  itemOf,
  newCustomer,
  newInvoice,
  newInvoicePayment,
  newPaymentIntent,
  newSubscription,
  STRIPE_API_VERSION,
} from './stripe-objects.ts';
import type { CheckoutRecord, CheckoutSession, Customer, Invoice, RequestRef, StripeEvent, StripeEventType, Subscription } from './stripe-objects.ts';

type Status = Stripe.Subscription.Status;

/** Where each status may go; a renewal that pays, or a retry that fails, keeps the status. */
const NEXT_STATUSES: Record<string, readonly Status[]> = {
  incomplete: ['active', 'trialing'],
  trialing: ['active', 'past_due', 'canceled'],
  active: ['past_due', 'canceled'],
  past_due: ['active', 'canceled'],
  canceled: [],
};

function moveTo(subscription: Subscription, status: Status): void {
  if (!NEXT_STATUSES[subscription.status]?.includes(status)) {
    throw new TransitionError(`Subscription ${subscription.id} is ${subscription.status}; it cannot become ${status}.`);
  }
  subscription.status = status;
}

/** Fields that differ, with their old values: Stripe's `previous_attributes`. */
function previousAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    if (JSON.stringify(value) !== JSON.stringify((after as Record<string, unknown>)[key])) previous[key] = value;
  }
  return previous;
}

function recordEvent(account: StripeAccount, type: StripeEventType, object: unknown, request: RequestRef, previous?: Record<string, unknown>): StripeEvent {
  const event: StripeEvent = {
    id: newId('evt_', 24),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: nowSeconds(),
    data: previous ? { object: copy(object), previous_attributes: previous } : { object: copy(object) },
    livemode: false,
    pending_webhooks: 1,
    request,
    type,
  };
  account.data.events.push(event);
  return event;
}

function publish(context: ProviderContext, account: StripeAccount, events: StripeEvent[]): void {
  context.webhooks.publish(
    account,
    events.map((event) => ({ id: event.id, type: event.type, body: JSON.stringify(event, null, 2) })),
  );
}

function customerOf(account: StripeAccount, subscription: Subscription): Customer {
  const customer = account.data.customers.get(String(subscription.customer));
  if (!customer) throw new Error(`Customer ${String(subscription.customer)} of ${subscription.id} is missing.`);
  return customer;
}

function productName(account: StripeAccount, subscription: Subscription): string {
  return account.data.products.get(String(itemOf(subscription).price.product))?.name ?? 'Subscription';
}

function latestInvoice(account: StripeAccount, subscription: Subscription): Invoice | undefined {
  return subscription.latest_invoice ? account.data.invoices.get(String(subscription.latest_invoice)) : undefined;
}

/**
 * One payment attempt on an invoice, through its payment intent (made on the first attempt, and
 * confirmed again on retries, as Stripe does).
 */
function attemptPayment(account: StripeAccount, invoice: Invoice, subscription: Subscription, succeeds: boolean, now: number): void {
  if (invoice.amount_due === 0) {
    // Nothing to charge (a trial, or a discount of all of it): Stripe marks it paid, with no payment.
    invoice.status = 'paid';
    invoice.status_transitions.paid_at = now;
    invoice.next_payment_attempt = null;
    return;
  }
  const payments = account.data.invoicePayments.get(invoice.id) ?? [];
  let invoicePayment = payments[0];
  if (!invoicePayment) {
    const intent = newPaymentIntent(
      {
        amount: invoice.amount_due,
        currency: invoice.currency,
        customer: String(invoice.customer),
        paymentMethod: String(subscription.default_payment_method),
        description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
      },
      now,
    );
    account.data.paymentIntents.set(intent.id, intent);
    invoicePayment = newInvoicePayment({ invoice: invoice.id, paymentIntent: intent.id, amount: invoice.amount_due, currency: invoice.currency }, now);
    account.data.invoicePayments.set(invoice.id, [invoicePayment]);
  }
  const intent = account.data.paymentIntents.get(String(invoicePayment.payment.payment_intent));
  if (!intent) throw new Error(`Payment intent of ${invoice.id} is missing.`);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  intent.payment_method = subscription.default_payment_method === null ? null : String(subscription.default_payment_method);
  const charge = newId('ch_', 24);
  intent.latest_charge = charge;
  if (succeeds) {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    invoicePayment.status = 'paid';
    invoicePayment.amount_paid = invoice.amount_due;
    invoicePayment.status_transitions.paid_at = now;
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = now;
  } else {
    intent.status = 'requires_payment_method';
    intent.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', charge };
    // Smart Retries would try again in a few days; here the next "renew now" is the retry.
    invoice.next_payment_attempt = now + 3 * 86_400;
  }
}

export type CheckoutPayment = { ok: true; session: CheckoutSession; subscription: Subscription; redirectUrl: string | undefined } | PaymentRefusal;

/** The email Checkout already knows for this session, if any (then the form does not ask). */
export function knownEmail(account: StripeAccount, session: CheckoutSession): string | undefined {
  if (session.customer) {
    const email = account.data.customers.get(String(session.customer))?.email;
    if (email) return email;
  }
  return session.customer_email ?? undefined;
}

/**
 * Pays a Checkout Session, as the hosted form and POST /_control/checkouts/:id/pay both do. A
 * refused card changes nothing. A good one makes (or reuses) the customer, the subscription,
 * its paid first invoice and payment intent, and completes the session.
 */
export function payCheckout(
  context: ProviderContext,
  account: StripeAccount,
  record: CheckoutRecord,
  payer: { email?: string | undefined; card: CardInput; promotionCode?: string | undefined },
): CheckoutPayment {
  const { session } = record;
  if (session.status === 'complete') return { ok: false, status: 409, field: undefined, message: 'This checkout has already been paid; nothing more is charged. Go back to the site to continue.' };
  if (session.status === 'expired') return { ok: false, status: 409, field: undefined, message: 'This checkout has expired. Go back to the site and start again.' };
  const email = knownEmail(account, session) ?? payer.email?.trim() ?? '';
  if (!isEmailAddress(email)) return { ok: false, status: 400, field: 'email', message: 'Enter your email address, e.g. reader@example.com.' };
  const now = nowSeconds();
  const discount = checkoutDiscount(account, record, payer.promotionCode, now);
  if ('message' in discount) return { ok: false, status: 400, field: 'promotion_code', message: discount.message };
  const card = checkCard(payer.card);
  if (!card.ok) return { ok: false, status: card.declined ? 402 : 400, field: card.field, message: card.message };

  const events: StripeEvent[] = [];
  let customer = session.customer ? account.data.customers.get(String(session.customer)) : undefined;
  if (!customer) {
    customer = newCustomer({ email, name: card.name, description: null, phone: null, metadata: {} }, now);
    account.data.customers.set(customer.id, customer);
    events.push(recordEvent(account, 'customer.created', customer, AUTOMATIC));
  }
  const paymentMethod = newId('pm_', 24);
  const interval = intervalOf(record.price);
  const trialEnd = record.trialDays ? now + record.trialDays * 86_400 : undefined;
  const subscription = newSubscription(
    {
      customer: customer.id,
      price: record.price,
      quantity: record.quantity,
      metadata: copy(record.subscriptionMetadata),
      paymentMethod,
      periodStart: now,
      periodEnd: trialEnd ?? afterCycles(now, interval, 1),
    },
    now,
  );
  if (trialEnd) {
    // A trial's period is the trial; the billing cycle starts when it ends.
    subscription.trial_start = now;
    subscription.trial_end = trialEnd;
    subscription.billing_cycle_anchor = trialEnd;
  }
  account.data.subscriptions.set(subscription.id, subscription);
  if (discount.applied) {
    account.data.discounts.set(subscription.id, { ...discount.applied, start: now, spent: false });
    redeem(account, discount.applied);
  }
  const invoice = newInvoice(
    {
      subscription,
      customer,
      productName: productName(account, subscription),
      billingReason: 'subscription_create',
      previousPeriod: { start: now, end: now },
      trial: trialEnd !== undefined,
      discount: trialEnd ? undefined : takeDiscount(account, subscription, now),
    },
    now,
  );
  account.data.invoices.set(invoice.id, invoice);
  subscription.latest_invoice = invoice.id;
  // Stripe creates the subscription incomplete and activates it once its first invoice is paid.
  events.push(recordEvent(account, 'customer.subscription.created', subscription, AUTOMATIC));
  const before = copy(subscription);
  attemptPayment(account, invoice, subscription, true, now);
  moveTo(subscription, trialEnd ? 'trialing' : 'active');
  events.push(recordEvent(account, 'invoice.paid', invoice, AUTOMATIC));
  events.push(recordEvent(account, 'customer.subscription.updated', subscription, AUTOMATIC, previousAttributes(before, subscription)));

  session.status = 'complete';
  session.payment_status = 'paid';
  // Stripe shows the URL only while the session is open.
  session.url = null;
  session.customer = customer.id;
  session.customer_details = { address: null, business_name: null, email, individual_name: null, name: card.name, phone: null, tax_exempt: 'none', tax_ids: [] };
  session.subscription = subscription.id;
  session.invoice = invoice.id;
  session.amount_total = invoice.amount_due;
  session.total_details = { amount_discount: invoice.subtotal - invoice.total, amount_shipping: 0, amount_tax: 0 };
  if (discount.applied) session.discounts = [discount.applied.promotionCode ? { coupon: null, promotion_code: discount.applied.promotionCode } : { coupon: discount.applied.coupon, promotion_code: null }];
  events.push(recordEvent(account, 'checkout.session.completed', session, AUTOMATIC));
  publish(context, account, events);
  const redirectUrl = session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) ?? undefined;
  return { ok: true, session, subscription, redirectUrl };
}

/** POST /v1/checkout/sessions/:id/expire. */
export function expireCheckout(context: ProviderContext, account: StripeAccount, record: CheckoutRecord, request: RequestRef): CheckoutSession {
  if (record.session.status !== 'open') throw new TransitionError(`Only Checkout Sessions with a status in ["open"] can be expired; ${record.session.id} is ${record.session.status}.`);
  record.session.status = 'expired';
  record.session.url = null;
  publish(context, account, [recordEvent(account, 'checkout.session.expired', record.session, request)]);
  return record.session;
}

/** How many whole periods since the anchor the current period ends after. */
function cyclesSoFar(subscription: Subscription): number {
  const item = itemOf(subscription);
  const interval = intervalOf(item.price);
  let cycles = 1;
  while (afterCycles(subscription.billing_cycle_anchor, interval, cycles) < item.current_period_end) cycles += 1;
  return cycles;
}

/**
 * Runs the subscription's next renewal now, as Stripe would at the end of its period: ends it
 * if it was set to cancel at period end; retries the open invoice if it is past due; otherwise
 * moves the period on and charges a new invoice, which fails while renewals are set to fail
 * (then the subscription is past_due, with its period already moved on, as in Stripe).
 */
export function renew(context: ProviderContext, account: StripeAccount, subscription: Subscription): StripeEvent[] {
  if (subscription.status === 'canceled' || subscription.status === 'incomplete') {
    throw new TransitionError(`Subscription ${subscription.id} is ${subscription.status}; it has no renewal to run.`);
  }
  const trialEnds = subscription.status === 'trialing';
  const now = nowSeconds();
  const before = copy(subscription);
  const fails = account.failingRenewals.has(subscription.id);
  const events: StripeEvent[] = [];
  const item = itemOf(subscription);

  if (subscription.cancel_at_period_end) {
    moveTo(subscription, 'canceled');
    subscription.ended_at = item.current_period_end;
    subscription.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
    events.push(recordEvent(account, 'customer.subscription.deleted', subscription, AUTOMATIC));
  } else if (subscription.status === 'past_due') {
    const invoice = latestInvoice(account, subscription);
    if (!invoice || invoice.status !== 'open') throw new TransitionError(`Subscription ${subscription.id} is past_due but has no open invoice to retry.`);
    attemptPayment(account, invoice, subscription, !fails, now);
    if (fails) {
      events.push(recordEvent(account, 'invoice.payment_failed', invoice, AUTOMATIC));
    } else {
      moveTo(subscription, 'active');
      events.push(recordEvent(account, 'invoice.paid', invoice, AUTOMATIC));
      events.push(recordEvent(account, 'customer.subscription.updated', subscription, AUTOMATIC, previousAttributes(before, subscription)));
    }
  } else {
    const previousPeriod = { start: item.current_period_start, end: item.current_period_end };
    item.current_period_start = item.current_period_end;
    // The end of a trial is the billing cycle's anchor: its first period is one whole interval.
    item.current_period_end = trialEnds
      ? afterCycles(subscription.billing_cycle_anchor, intervalOf(item.price), 1)
      : afterCycles(subscription.billing_cycle_anchor, intervalOf(item.price), cyclesSoFar(subscription) + 1);
    const invoice = newInvoice(
      {
        subscription,
        customer: customerOf(account, subscription),
        productName: productName(account, subscription),
        billingReason: 'subscription_cycle',
        previousPeriod,
        discount: takeDiscount(account, subscription, item.current_period_start),
      },
      now,
    );
    account.data.invoices.set(invoice.id, invoice);
    subscription.latest_invoice = invoice.id;
    attemptPayment(account, invoice, subscription, !fails, now);
    if (fails) moveTo(subscription, 'past_due');
    else if (trialEnds) moveTo(subscription, 'active');
    events.push(recordEvent(account, fails ? 'invoice.payment_failed' : 'invoice.paid', invoice, AUTOMATIC));
    events.push(recordEvent(account, 'customer.subscription.updated', subscription, AUTOMATIC, previousAttributes(before, subscription)));
  }
  publish(context, account, events);
  return events;
}

/**
 * POST /v1/subscriptions/:id (and the portal's buttons): cancel at period end, undo that, and
 * metadata. An empty metadata value unsets its key; null unsets them all.
 */
export function updateSubscription(
  context: ProviderContext,
  account: StripeAccount,
  subscription: Subscription,
  changes: { cancelAtPeriodEnd?: boolean | undefined; metadata?: Record<string, string> | null | undefined },
  request: RequestRef,
): Subscription {
  if (subscription.status === 'canceled' && changes.cancelAtPeriodEnd !== undefined) {
    throw new TransitionError('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const before = copy(subscription);
  if (changes.cancelAtPeriodEnd !== undefined && changes.cancelAtPeriodEnd !== subscription.cancel_at_period_end) {
    const cancel = changes.cancelAtPeriodEnd;
    subscription.cancel_at_period_end = cancel;
    subscription.cancel_at = cancel ? itemOf(subscription).current_period_end : null;
    // As in Stripe, canceled_at is when the cancellation was asked for, not when it takes effect.
    subscription.canceled_at = cancel ? nowSeconds() : null;
    subscription.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: cancel ? 'cancellation_requested' : null };
  }
  if (changes.metadata === null) subscription.metadata = {};
  for (const [key, value] of Object.entries(changes.metadata ?? {})) {
    if (value === '') delete subscription.metadata[key];
    else subscription.metadata[key] = value;
  }
  const previous = previousAttributes(before, subscription);
  if (Object.keys(previous).length) publish(context, account, [recordEvent(account, 'customer.subscription.updated', subscription, request, previous)]);
  return subscription;
}

/** DELETE /v1/subscriptions/:id and the "cancel now" control: ends the subscription at once. */
export function cancelNow(context: ProviderContext, account: StripeAccount, subscription: Subscription, request: RequestRef): Subscription {
  if (subscription.status === 'canceled') throw new TransitionError(`Subscription ${subscription.id} is already canceled.`);
  const now = nowSeconds();
  moveTo(subscription, 'canceled');
  subscription.canceled_at = now;
  subscription.ended_at = now;
  subscription.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
  publish(context, account, [recordEvent(account, 'customer.subscription.deleted', subscription, request)]);
  return subscription;
}

/**
 * The portal's "Update card": a good card becomes the subscription's payment method, renewals
 * stop failing, and a past_due subscription's open invoice is paid with it at once.
 */
export function updateCard(context: ProviderContext, account: StripeAccount, subscription: Subscription, card: CardInput): { ok: true; paidInvoice: boolean } | PaymentRefusal {
  if (subscription.status === 'canceled') return { ok: false, status: 409, field: undefined, message: 'This subscription has ended; there is no card to update.' };
  const checked = checkCard(card);
  if (!checked.ok) return { ok: false, status: checked.declined ? 402 : 400, field: checked.field, message: checked.message };
  const now = nowSeconds();
  const before = copy(subscription);
  const events: StripeEvent[] = [];
  subscription.default_payment_method = newId('pm_', 24);
  account.failingRenewals.delete(subscription.id);
  const invoice = latestInvoice(account, subscription);
  const paidInvoice = subscription.status === 'past_due' && invoice?.status === 'open';
  if (paidInvoice) {
    attemptPayment(account, invoice, subscription, true, now);
    moveTo(subscription, 'active');
    events.push(recordEvent(account, 'invoice.paid', invoice, AUTOMATIC));
  }
  events.push(recordEvent(account, 'customer.subscription.updated', subscription, AUTOMATIC, previousAttributes(before, subscription)));
  publish(context, account, events);
  return { ok: true, paidInvoice };
}

/** POST /v1/customers emits customer.created like any other change. */
export function announceCustomer(context: ProviderContext, account: StripeAccount, customer: Customer, request: RequestRef): void {
  publish(context, account, [recordEvent(account, 'customer.created', customer, request)]);
}

// --- discounts ---------------------------------------------------------------------------------

type CheckoutDiscount = { applied: { coupon: string; promotionCode: string | null } | undefined } | { message: string };

/**
 * The discount a checkout is paid with: the one the session was made with (checked again, as it
 * may have been used up since), or a promotion code typed on the page when the session allows one.
 */
function checkoutDiscount(account: StripeAccount, record: CheckoutRecord, typed: string | undefined, now: number): CheckoutDiscount {
  const { coupons, promotionCodes } = account.data;
  if (record.discount) {
    const promotion = record.discount.promotionCode ? promotionCodes.get(record.discount.promotionCode) : undefined;
    const coupon = coupons.get(record.discount.coupon);
    const problem = promotion ? promotionCodeProblem(promotion, coupon, now) : coupon ? couponProblem(coupon, now) : `Coupon ${record.discount.coupon} no longer exists.`;
    return problem ? { message: `${problem} Go back to the site and start again.` } : { applied: record.discount };
  }
  if (!record.allowPromotionCodes || !typed?.trim()) return { applied: undefined };
  const promotion = findPromotionCode(promotionCodes.values(), typed);
  if (!promotion) return { message: `${typed.trim()} is not a valid promotion code. Check it, or leave the field empty.` };
  const coupon = coupons.get(promotion.promotion.coupon);
  const problem = promotionCodeProblem(promotion, coupon, now);
  if (problem) return { message: problem };
  if (coupon?.currency && coupon.currency !== record.price.currency) return { message: `The promotion code ${promotion.code} is not valid for a purchase in ${record.price.currency.toUpperCase()}.` };
  return { applied: { coupon: promotion.promotion.coupon, promotionCode: promotion.id } };
}

function redeem(account: StripeAccount, applied: { coupon: string; promotionCode: string | null }): void {
  const coupon = account.data.coupons.get(applied.coupon);
  if (coupon) coupon.times_redeemed += 1;
  const promotion = applied.promotionCode ? account.data.promotionCodes.get(applied.promotionCode) : undefined;
  if (promotion) promotion.times_redeemed += 1;
}

/** What the subscription's discount takes off the charge for the period from `periodStart`; a `once` coupon is spent by it. */
function takeDiscount(account: StripeAccount, subscription: Subscription, periodStart: number): { amount: number; coupon: string } | undefined {
  const off = discountOn(account, subscription, periodStart);
  const discount = account.data.discounts.get(subscription.id);
  if (off && discount && off.amount > 0) discount.spent = true;
  return off;
}

function discountOn(account: StripeAccount, subscription: Subscription, periodStart: number): { amount: number; coupon: string } | undefined {
  const discount = account.data.discounts.get(subscription.id);
  const coupon = discount && account.data.coupons.get(discount.coupon);
  if (!discount || !coupon) return undefined;
  const item = itemOf(subscription);
  return { amount: amountOff(coupon, discount, (item.price.unit_amount ?? 0) * (item.quantity ?? 1), periodStart), coupon: coupon.id };
}

/**
 * POST /v1/invoices/create_preview for a subscription: the invoice its next renewal will make,
 * with its discount, changing nothing. Stripe has none for a subscription that will not renew.
 */
export function previewRenewal(account: StripeAccount, subscription: Subscription, now: number): Invoice {
  if (subscription.status === 'canceled' || subscription.status === 'incomplete' || subscription.cancel_at_period_end) {
    throw new TransitionError(`Subscription ${subscription.id} has no upcoming invoice: it will not renew.`);
  }
  const next = copy(subscription);
  const item = itemOf(next);
  const previousPeriod = { start: item.current_period_start, end: item.current_period_end };
  item.current_period_start = item.current_period_end;
  item.current_period_end =
    subscription.status === 'trialing'
      ? afterCycles(subscription.billing_cycle_anchor, intervalOf(item.price), 1)
      : afterCycles(subscription.billing_cycle_anchor, intervalOf(item.price), cyclesSoFar(subscription) + 1);
  const invoice = newInvoice(
    {
      subscription: next,
      customer: customerOf(account, subscription),
      productName: productName(account, subscription),
      billingReason: 'subscription_cycle',
      previousPeriod,
      discount: discountOn(account, subscription, item.current_period_start),
    },
    now,
  );
  // A preview is no invoice yet: Stripe gives it no id it could be fetched by, and charges it when the period ends.
  invoice.status = 'draft';
  invoice.next_payment_attempt = previousPeriod.end;
  return invoice;
}
