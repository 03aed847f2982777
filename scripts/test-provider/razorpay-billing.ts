// The Razorpay subscription state machine: every change of a subscription's status, cycle,
// invoices and payments happens here, whether the API, the hosted page or a control asked for
// it, and each action ends by publishing the webhooks Razorpay would send for it, as one batch.
import { afterCycles, nowSeconds } from './billing-cycle.ts';
import type { CardInput } from './cards.ts';
import { checkCard, isEmailAddress, isPhoneNumber } from './cards.ts';
import { TransitionError } from './outcomes.ts';
import type { PaymentRefusal } from './outcomes.ts';
import { intervalOfPlan, newCustomer, newInvoice, newPayment } from './razorpay-entities.ts';
import type { Customer, Invoice, Payment, Plan, RazorpayEvent, RazorpayEventType, Subscription, SubscriptionRecord, SubscriptionStatus } from './razorpay-entities.ts';
import { newId } from './ids.ts';
import type { RazorpayAccount } from './store.ts';
import type { ProviderContext } from './context.ts';

/** Where each status may go; a charge that pays, or a halted subscription's failed retry, keeps the status. */
const NEXT_STATUSES: Record<SubscriptionStatus, readonly SubscriptionStatus[]> = {
  created: ['authenticated', 'cancelled', 'expired'],
  authenticated: ['active', 'pending', 'cancelled'],
  active: ['pending', 'cancelled', 'completed'],
  pending: ['active', 'halted', 'cancelled'],
  halted: ['active', 'cancelled'],
  cancelled: [],
  completed: [],
  expired: [],
};

function moveTo(subscription: Subscription, status: SubscriptionStatus): void {
  if (!NEXT_STATUSES[subscription.status].includes(status)) {
    throw new TransitionError(`Subscription ${subscription.id} is ${subscription.status}; it cannot become ${status}.`);
  }
  subscription.status = status;
}

type Batch = { id: string; event: RazorpayEvent }[];

function recordEvent(account: RazorpayAccount, batch: Batch, type: RazorpayEventType, entities: { subscription?: Subscription; payment?: Payment }): void {
  const event: RazorpayEvent = { entity: 'event', account_id: account.accountId, event: type, contains: [], payload: {}, created_at: nowSeconds() };
  if (entities.subscription) {
    event.contains.push('subscription');
    event.payload.subscription = { entity: structuredClone(entities.subscription) };
  }
  if (entities.payment) {
    event.contains.push('payment');
    event.payload.payment = { entity: structuredClone(entities.payment) };
  }
  const recorded = { id: newId('', 14), event };
  account.data.events.push(recorded);
  batch.push(recorded);
}

function publish(context: ProviderContext, account: RazorpayAccount, batch: Batch): void {
  context.webhooks.publish(
    account,
    batch.map(({ id, event }) => ({ id, type: event.event, body: JSON.stringify(event) })),
  );
}

export function planOf(account: RazorpayAccount, subscription: Subscription): Plan {
  const plan = account.data.plans.get(subscription.plan_id);
  if (!plan) throw new Error(`Plan ${subscription.plan_id} of ${subscription.id} is missing.`);
  return plan;
}

function customerOf(account: RazorpayAccount, subscription: Subscription): Customer {
  const customer = subscription.customer_id ? account.data.customers.get(subscription.customer_id) : undefined;
  if (!customer) throw new Error(`Subscription ${subscription.id} has no customer.`);
  return customer;
}

/** A subscription link past its expire_by that was never paid expires (Razorpay sends no webhook). */
export function expireIfDue(record: SubscriptionRecord): void {
  const { subscription } = record;
  if (subscription.status === 'created' && subscription.expire_by !== null && nowSeconds() > subscription.expire_by) moveTo(subscription, 'expired');
}

/** One charge of an invoice with the subscription's card; a captured payment pays the invoice. */
function charge(account: RazorpayAccount, record: SubscriptionRecord, invoice: Invoice, succeeds: boolean, now: number): Payment {
  const plan = planOf(account, record.subscription);
  const payment = newPayment(
    {
      amount: invoice.amount,
      currency: invoice.currency,
      customer: customerOf(account, record.subscription),
      invoiceId: invoice.id,
      orderId: invoice.order_id,
      description: plan.item.name,
      card: record.card ?? { name: 'Test card', last4: '4242' },
      captured: succeeds,
    },
    now,
  );
  account.data.payments.set(payment.id, payment);
  if (succeeds) {
    invoice.status = 'paid';
    invoice.payment_id = payment.id;
    invoice.paid_at = now;
    invoice.amount_paid = invoice.amount;
    invoice.amount_due = 0;
  }
  return payment;
}

/** What the subscription's offer takes off its next charge: its discount, for its first charges. */
function offerDiscount(account: RazorpayAccount, subscription: Subscription): number {
  const offer = subscription.offer_id ? account.data.offers.get(subscription.offer_id) : undefined;
  return offer && subscription.paid_count < offer.payment_count ? offer.discount_amount : 0;
}

/** What the next charge will be, in paise: the plan's amount less the offer's discount while it lasts. */
export function nextChargeAmount(account: RazorpayAccount, subscription: Subscription): number {
  const gross = planOf(account, subscription).item.amount * subscription.quantity;
  return gross - Math.min(offerDiscount(account, subscription), gross);
}

/** Moves the subscription onto the cycle an invoice paid for, and counts the payment. */
function enterPaidCycle(subscription: Subscription, invoice: Invoice): void {
  subscription.current_start = invoice.billing_start;
  subscription.current_end = invoice.billing_end;
  subscription.paid_count += 1;
  subscription.remaining_count = subscription.total_count - subscription.paid_count;
  subscription.charge_at = subscription.remaining_count > 0 ? invoice.billing_end : null;
}

export type SubscriptionPayment = { ok: true; subscription: Subscription } | PaymentRefusal;

/**
 * The hosted page's payment (also POST /_control/checkouts/:id/pay): a refused card changes
 * nothing but auth_attempts. A good one makes (or reuses, by email) the customer, charges the
 * first cycle and activates the subscription: subscription.authenticated, .activated, .charged.
 */
export function paySubscription(context: ProviderContext, account: RazorpayAccount, record: SubscriptionRecord, payer: { email?: string | undefined; contact?: string | undefined; card: CardInput }): SubscriptionPayment {
  const { subscription } = record;
  expireIfDue(record);
  if (subscription.status === 'expired') return { ok: false, status: 409, field: undefined, message: 'This subscription link has expired. Go back to the site and start again.' };
  if (subscription.status === 'cancelled') return { ok: false, status: 409, field: undefined, message: 'This subscription was cancelled; it can no longer be paid.' };
  if (subscription.status !== 'created') return { ok: false, status: 409, field: undefined, message: 'This subscription is already paid; nothing more is charged. You can close this tab.' };
  const email = payer.email?.trim() ?? '';
  if (!isEmailAddress(email)) return { ok: false, status: 400, field: 'email', message: 'Enter your email address, e.g. reader@example.com.' };
  const contact = payer.contact?.trim() ?? '';
  if (!isPhoneNumber(contact)) return { ok: false, status: 400, field: 'contact', message: 'Enter your phone number, e.g. +91 98765 43210.' };
  const card = checkCard(payer.card);
  if (!card.ok) {
    subscription.auth_attempts += 1;
    return { ok: false, status: card.declined ? 402 : 400, field: card.field, message: card.message };
  }

  const now = nowSeconds();
  const batch: Batch = [];
  let customer = subscription.customer_id ? account.data.customers.get(subscription.customer_id) : [...account.data.customers.values()].find((candidate) => candidate.email === email);
  if (!customer) {
    customer = newCustomer({ name: card.name, email, contact, gstin: null, notes: {} }, now);
    account.data.customers.set(customer.id, customer);
  }
  subscription.customer_id = customer.id;
  record.card = { name: card.name, last4: card.last4 };
  moveTo(subscription, 'authenticated');
  recordEvent(account, batch, 'subscription.authenticated', { subscription });

  const plan = planOf(account, subscription);
  const interval = intervalOfPlan(plan);
  if (subscription.start_at !== null && subscription.start_at > now) {
    // A later start (a trial): the card is authorised now, and the first charge is at start_at.
    subscription.end_at = afterCycles(subscription.start_at, interval, subscription.total_count);
    publish(context, account, batch);
    return { ok: true, subscription };
  }
  const invoice = newInvoice({ subscription, plan, customer, billingStart: now, billingEnd: afterCycles(now, interval, 1), discount: offerDiscount(account, subscription) }, now);
  account.data.invoices.set(invoice.id, invoice);
  const payment = charge(account, record, invoice, true, now);
  subscription.start_at ??= now;
  subscription.end_at = afterCycles(now, interval, subscription.total_count);
  enterPaidCycle(subscription, invoice);
  moveTo(subscription, 'active');
  recordEvent(account, batch, 'subscription.activated', { subscription });
  recordEvent(account, batch, 'subscription.charged', { subscription, payment });
  publish(context, account, batch);
  return { ok: true, subscription };
}

/** The invoice a pending or halted subscription still owes. */
function unpaidInvoice(account: RazorpayAccount, subscription: Subscription): Invoice | undefined {
  return [...account.data.invoices.values()].find((invoice) => invoice.subscription_id === subscription.id && invoice.status === 'issued');
}

/**
 * Runs the next charge now, as Razorpay would when the cycle ends: cancels a subscription marked
 * to cancel at cycle end, completes one that has had all its charges, retries a pending or
 * halted one's unpaid invoice, or charges the next cycle. While renewals are set to fail: active
 * → pending → halted (payment.failed, subscription.pending / .halted).
 */
export function renew(context: ProviderContext, account: RazorpayAccount, record: SubscriptionRecord): Batch {
  const { subscription } = record;
  // An authenticated subscription that starts later (a trial) is charged for the first time at its start.
  const starting = subscription.status === 'authenticated' && subscription.start_at !== null;
  if (!['active', 'pending', 'halted'].includes(subscription.status) && !starting) {
    throw new TransitionError(`Subscription ${subscription.id} is ${subscription.status}; it has no charge to run.`);
  }
  const now = nowSeconds();
  const batch: Batch = [];
  const fails = account.failingRenewals.has(subscription.id);
  const cycleEnd = subscription.current_end ?? subscription.start_at ?? now;

  if (record.cancelAtCycleEnd) {
    moveTo(subscription, 'cancelled');
    subscription.ended_at = cycleEnd;
    subscription.charge_at = null;
    recordEvent(account, batch, 'subscription.cancelled', { subscription });
  } else if (subscription.status === 'active' && subscription.paid_count >= subscription.total_count) {
    moveTo(subscription, 'completed');
    subscription.ended_at = cycleEnd;
    recordEvent(account, batch, 'subscription.completed', { subscription });
  } else {
    const retrying = subscription.status !== 'active' && !starting;
    const plan = planOf(account, subscription);
    let invoice = retrying ? unpaidInvoice(account, subscription) : undefined;
    if (!invoice) {
      const billingEnd = afterCycles(subscription.start_at ?? cycleEnd, intervalOfPlan(plan), subscription.paid_count + 1);
      invoice = newInvoice({ subscription, plan, customer: customerOf(account, subscription), billingStart: cycleEnd, billingEnd, discount: offerDiscount(account, subscription) }, now);
      account.data.invoices.set(invoice.id, invoice);
    }
    const payment = charge(account, record, invoice, !fails, now);
    if (!fails) {
      enterPaidCycle(subscription, invoice);
      if (retrying || starting) {
        moveTo(subscription, 'active');
        recordEvent(account, batch, 'subscription.activated', { subscription });
      }
      recordEvent(account, batch, 'subscription.charged', { subscription, payment });
    } else {
      recordEvent(account, batch, 'payment.failed', { payment });
      if (subscription.status === 'active' || starting) {
        moveTo(subscription, 'pending');
        recordEvent(account, batch, 'subscription.pending', { subscription, payment });
      } else if (subscription.status === 'pending') {
        moveTo(subscription, 'halted');
        recordEvent(account, batch, 'subscription.halted', { subscription, payment });
      }
    }
  }
  publish(context, account, batch);
  return batch;
}

/**
 * POST /v1/subscriptions/:id/cancel and the "cancel now" control. At cycle end, an active
 * subscription stays active and is cancelled by the renewal that would have charged it; a
 * subscription without a cycle under way is cancelled at once. Once cancelled it stays so.
 */
export function cancel(context: ProviderContext, account: RazorpayAccount, record: SubscriptionRecord, atCycleEnd: boolean): Subscription {
  const { subscription } = record;
  expireIfDue(record);
  if (['cancelled', 'completed', 'expired'].includes(subscription.status)) {
    throw new TransitionError(`Subscription is not cancellable in ${subscription.status} status.`);
  }
  if (atCycleEnd && subscription.current_end !== null) {
    record.cancelAtCycleEnd = true;
    return subscription;
  }
  const batch: Batch = [];
  moveTo(subscription, 'cancelled');
  subscription.ended_at = nowSeconds();
  subscription.charge_at = null;
  recordEvent(account, batch, 'subscription.cancelled', { subscription });
  publish(context, account, batch);
  return subscription;
}
