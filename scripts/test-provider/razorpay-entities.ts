// Razorpay entities as its API returns them (https://razorpay.com/docs/api/payments/subscriptions/):
// amounts in minor units (paise), times in unix seconds, `notes` as a flat hash.
import type { Interval } from './billing-cycle.ts';
import { newId } from './ids.ts';

export type Notes = Record<string, string>;

export type PlanPeriod = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface PlanItem {
  id: string;
  active: boolean;
  name: string;
  description: string | null;
  amount: number;
  unit_amount: number;
  currency: string;
  type: 'plan';
  unit: null;
  tax_inclusive: boolean;
  hsn_code: null;
  sac_code: null;
  tax_rate: null;
  tax_id: null;
  tax_group_id: null;
  created_at: number;
  updated_at: number;
}

export interface Plan {
  id: string;
  entity: 'plan';
  interval: number;
  period: PlanPeriod;
  item: PlanItem;
  notes: Notes;
  created_at: number;
}

export type SubscriptionStatus = 'created' | 'authenticated' | 'active' | 'pending' | 'halted' | 'cancelled' | 'completed' | 'expired';

export interface Subscription {
  id: string;
  entity: 'subscription';
  plan_id: string;
  customer_id: string | null;
  status: SubscriptionStatus;
  current_start: number | null;
  current_end: number | null;
  ended_at: number | null;
  quantity: number;
  notes: Notes;
  charge_at: number | null;
  start_at: number | null;
  end_at: number | null;
  offer_id: string | null;
  auth_attempts: number;
  total_count: number;
  paid_count: number;
  customer_notify: boolean;
  created_at: number;
  expire_by: number | null;
  short_url: string;
  has_scheduled_changes: boolean;
  change_scheduled_at: number | null;
  source: 'api';
  remaining_count: number;
}

/** A subscription plus what Razorpay keeps but does not show in the entity. */
export interface SubscriptionRecord {
  subscription: Subscription;
  /** Set by cancel with cancel_at_cycle_end; the entity stays `active` until the cycle ends. */
  cancelAtCycleEnd: boolean;
  notifyInfo: { notify_phone: string | null; notify_email: string | null };
  /** The card the reader paid with on the hosted page; renewals charge it. */
  card: { name: string; last4: string } | undefined;
}

export interface Customer {
  id: string;
  entity: 'customer';
  name: string | null;
  email: string | null;
  contact: string | null;
  gstin: string | null;
  notes: Notes;
  created_at: number;
}

export interface Payment {
  id: string;
  entity: 'payment';
  amount: number;
  currency: string;
  status: 'captured' | 'failed';
  order_id: string;
  invoice_id: string;
  international: boolean;
  method: 'card';
  amount_refunded: number;
  refund_status: 'partial' | 'full' | null;
  captured: boolean;
  description: string;
  card_id: string;
  card: { id: string; entity: 'card'; name: string; last4: string; network: 'Visa'; type: 'credit'; issuer: null; international: boolean; emi: boolean; sub_type: 'consumer' };
  bank: null;
  wallet: null;
  vpa: null;
  email: string | null;
  contact: string | null;
  customer_id: string;
  token_id: string;
  notes: Notes;
  fee: number | null;
  tax: number | null;
  error_code: string | null;
  error_description: string | null;
  error_source: string | null;
  error_step: string | null;
  error_reason: string | null;
  acquirer_data: { auth_code: string | null };
  created_at: number;
}

export interface InvoiceLineItem {
  id: string;
  item_id: string;
  name: string;
  description: string | null;
  amount: number;
  unit_amount: number;
  gross_amount: number;
  tax_amount: number;
  taxable_amount: number;
  net_amount: number;
  currency: string;
  type: 'plan';
  tax_inclusive: boolean;
  unit: null;
  quantity: number;
  taxes: [];
}

export interface Invoice {
  id: string;
  entity: 'invoice';
  receipt: null;
  invoice_number: null;
  customer_id: string;
  customer_details: { id: string; name: string | null; email: string | null; contact: string | null; gstin: null; billing_address: null; shipping_address: null; customer_name: string | null; customer_email: string | null; customer_contact: string | null };
  order_id: string;
  subscription_id: string;
  line_items: InvoiceLineItem[];
  payment_id: string | null;
  status: 'issued' | 'paid';
  expire_by: null;
  issued_at: number;
  paid_at: number | null;
  cancelled_at: null;
  expired_at: null;
  sms_status: null;
  email_status: null;
  date: number;
  terms: null;
  partial_payment: boolean;
  gross_amount: number;
  tax_amount: number;
  taxable_amount: number;
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  currency_symbol: string;
  description: null;
  notes: Notes;
  comment: null;
  short_url: null;
  view_less: boolean;
  billing_start: number;
  billing_end: number;
  type: 'invoice';
  group_taxes_discounts: boolean;
  created_at: number;
}

export interface Refund {
  id: string;
  entity: 'refund';
  amount: number;
  currency: string;
  payment_id: string;
  notes: Notes;
  receipt: string | null;
  acquirer_data: { arn: string | null };
  created_at: number;
  batch_id: null;
  status: 'processed';
  speed_processed: 'normal';
  speed_requested: 'normal';
}

export type RazorpayEventType =
  | 'subscription.authenticated'
  | 'subscription.activated'
  | 'subscription.charged'
  | 'subscription.pending'
  | 'subscription.halted'
  | 'subscription.cancelled'
  | 'subscription.completed'
  | 'payment.failed';

export interface RazorpayEvent {
  entity: 'event';
  account_id: string;
  event: RazorpayEventType;
  contains: ('subscription' | 'payment')[];
  payload: { subscription?: { entity: Subscription }; payment?: { entity: Payment } };
  created_at: number;
}

/**
 * A subscription offer, as a publisher makes one in Razorpay's dashboard (its API cannot): a flat
 * discount on each of the subscription's first `payment_count` charges.
 */
export interface Offer {
  id: string;
  entity: 'offer';
  name: string;
  discount_amount: number;
  payment_count: number;
  created_at: number;
}

export interface RazorpayData {
  offers: Map<string, Offer>;
  plans: Map<string, Plan>;
  subscriptions: Map<string, SubscriptionRecord>;
  customers: Map<string, Customer>;
  invoices: Map<string, Invoice>;
  payments: Map<string, Payment>;
  refunds: Map<string, Refund>;
  /** With the id sent as X-Razorpay-Event-Id, which the body does not carry. */
  events: { id: string; event: RazorpayEvent }[];
}

export interface Collection<T> {
  entity: 'collection';
  count: number;
  items: T[];
}

export const PLAN_PERIODS: readonly PlanPeriod[] = ['daily', 'weekly', 'monthly', 'yearly'];

export function intervalOfPlan(plan: Plan): Interval {
  const unit = ({ daily: 'day', weekly: 'week', monthly: 'month', yearly: 'year' } as const)[plan.period];
  return { unit, count: plan.interval };
}

export function newPlan(fields: { period: PlanPeriod; interval: number; name: string; description: string | null; amount: number; currency: string; notes: Notes }, now: number): Plan {
  return {
    id: newId('plan_'),
    entity: 'plan',
    interval: fields.interval,
    period: fields.period,
    item: {
      id: newId('item_'),
      active: true,
      name: fields.name,
      description: fields.description,
      amount: fields.amount,
      unit_amount: fields.amount,
      currency: fields.currency,
      type: 'plan',
      unit: null,
      tax_inclusive: false,
      hsn_code: null,
      sac_code: null,
      tax_rate: null,
      tax_id: null,
      tax_group_id: null,
      created_at: now,
      updated_at: now,
    },
    notes: fields.notes,
    created_at: now,
  };
}

export function newSubscription(
  fields: {
    plan: Plan;
    totalCount: number;
    quantity: number;
    customerId: string | null;
    customerNotify: boolean;
    notes: Notes;
    expireBy: number | null;
    startAt: number | null;
    offerId: string | null;
  },
  baseUrl: string,
  now: number,
): Subscription {
  const id = newId('sub_');
  return {
    id,
    entity: 'subscription',
    plan_id: fields.plan.id,
    customer_id: fields.customerId,
    status: 'created',
    current_start: null,
    current_end: null,
    ended_at: null,
    quantity: fields.quantity,
    notes: fields.notes,
    // Without start_at a subscription starts on its first payment; with one, it is charged first then.
    charge_at: fields.startAt,
    start_at: fields.startAt,
    end_at: null,
    offer_id: fields.offerId,
    auth_attempts: 0,
    total_count: fields.totalCount,
    paid_count: 0,
    customer_notify: fields.customerNotify,
    created_at: now,
    expire_by: fields.expireBy,
    short_url: `${baseUrl}/rzp/i/${id}`,
    has_scheduled_changes: false,
    change_scheduled_at: null,
    source: 'api',
    remaining_count: fields.totalCount,
  };
}

export function newCustomer(fields: { name: string | null; email: string | null; contact: string | null; gstin: string | null; notes: Notes }, now: number): Customer {
  return { id: newId('cust_'), entity: 'customer', ...fields, created_at: now };
}

/** numerator / denominator rounded half up, in integer arithmetic. */
function divideRounded(numerator: number, denominator: number): number {
  const shifted = numerator + Math.floor(denominator / 2);
  return (shifted - (shifted % denominator)) / denominator;
}

/** Razorpay charges its fee in test mode too: 2% plus 18% GST on it, in whole paise. */
function feeOf(amount: number): { fee: number; tax: number } {
  const fee = divideRounded(amount * 236, 10_000);
  return { fee, tax: divideRounded(fee * 18, 118) };
}

export function newPayment(
  fields: { amount: number; currency: string; customer: Customer; invoiceId: string; orderId: string; description: string; card: { name: string; last4: string }; captured: boolean },
  now: number,
): Payment {
  const cardId = newId('card_');
  const { fee, tax } = fields.captured ? feeOf(fields.amount) : { fee: null, tax: null };
  const failure = fields.captured
    ? { error_code: null, error_description: null, error_source: null, error_step: null, error_reason: null }
    : { error_code: 'BAD_REQUEST_ERROR', error_description: 'Your payment has been declined by your bank.', error_source: 'bank', error_step: 'payment_authorization', error_reason: 'card_declined' };
  return {
    id: newId('pay_'),
    entity: 'payment',
    amount: fields.amount,
    currency: fields.currency,
    status: fields.captured ? 'captured' : 'failed',
    order_id: fields.orderId,
    invoice_id: fields.invoiceId,
    international: false,
    method: 'card',
    amount_refunded: 0,
    refund_status: null,
    captured: fields.captured,
    description: fields.description,
    card_id: cardId,
    card: { id: cardId, entity: 'card', name: fields.card.name, last4: fields.card.last4, network: 'Visa', type: 'credit', issuer: null, international: false, emi: false, sub_type: 'consumer' },
    bank: null,
    wallet: null,
    vpa: null,
    email: fields.customer.email,
    contact: fields.customer.contact,
    customer_id: fields.customer.id,
    token_id: newId('token_'),
    notes: {},
    fee,
    tax,
    ...failure,
    acquirer_data: { auth_code: fields.captured ? String(100_000 + (now % 900_000)) : null },
    created_at: now,
  };
}

/** An issued invoice for one billing cycle of a subscription. */
export function newInvoice(fields: { subscription: Subscription; plan: Plan; customer: Customer; billingStart: number; billingEnd: number; discount?: number }, now: number): Invoice {
  const { subscription, plan, customer } = fields;
  const gross = plan.item.amount * subscription.quantity;
  const amount = gross - Math.min(fields.discount ?? 0, gross);
  return {
    id: newId('inv_'),
    entity: 'invoice',
    receipt: null,
    invoice_number: null,
    customer_id: customer.id,
    customer_details: {
      id: customer.id,
      name: customer.name,
      email: customer.email,
      contact: customer.contact,
      gstin: null,
      billing_address: null,
      shipping_address: null,
      customer_name: customer.name,
      customer_email: customer.email,
      customer_contact: customer.contact,
    },
    order_id: newId('order_'),
    subscription_id: subscription.id,
    line_items: [
      {
        id: newId('li_'),
        item_id: plan.item.id,
        name: plan.item.name,
        description: plan.item.description,
        amount: plan.item.amount,
        unit_amount: plan.item.amount,
        gross_amount: gross,
        tax_amount: 0,
        taxable_amount: amount,
        net_amount: amount,
        currency: plan.item.currency,
        type: 'plan',
        tax_inclusive: false,
        unit: null,
        quantity: subscription.quantity,
        taxes: [],
      },
    ],
    payment_id: null,
    status: 'issued',
    expire_by: null,
    issued_at: now,
    paid_at: null,
    cancelled_at: null,
    expired_at: null,
    sms_status: null,
    email_status: null,
    date: now,
    terms: null,
    partial_payment: false,
    gross_amount: gross,
    tax_amount: 0,
    taxable_amount: amount,
    amount,
    amount_paid: 0,
    amount_due: amount,
    currency: plan.item.currency,
    currency_symbol: plan.item.currency === 'INR' ? '₹' : plan.item.currency,
    description: null,
    notes: {},
    comment: null,
    short_url: null,
    view_less: true,
    billing_start: fields.billingStart,
    billing_end: fields.billingEnd,
    type: 'invoice',
    group_taxes_discounts: false,
    created_at: now,
  };
}

export function newRefund(fields: { amount: number; payment: Payment; notes: Notes; receipt: string | null }, now: number): Refund {
  return {
    id: newId('rfnd_'),
    entity: 'refund',
    amount: fields.amount,
    currency: fields.payment.currency,
    payment_id: fields.payment.id,
    notes: fields.notes,
    receipt: fields.receipt,
    acquirer_data: { arn: null },
    created_at: now,
    batch_id: null,
    status: 'processed',
    speed_processed: 'normal',
    speed_requested: 'normal',
  };
}

export function collection<T>(items: T[]): Collection<T> {
  return { entity: 'collection', count: items.length, items };
}
