// Stripe objects as the API returns them (API version 2026-10-28.endive), built from the types of
// the installed `stripe` package: each object type below picks the fields this provider fills in,
// so a misspelt field or a wrong value type fails `tsc`. Objects are stored in this wire shape
// and copied on the way out, so a response or an event never changes after it is sent.
import type Stripe from 'stripe';
import type { Interval, IntervalUnit } from './billing-cycle.ts';
import { describeInterval } from './billing-cycle.ts';
import { formatMoney } from './money.ts';
import { newId } from './ids.ts';
import type { AppliedDiscount, Coupon, PromotionCode } from './stripe-discounts.ts';

/** The version the installed SDK sends; events say they were rendered for it. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export interface ApiList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export type Customer = Pick<
  Stripe.Customer,
  'id' | 'object' | 'address' | 'balance' | 'created' | 'currency' | 'default_source' | 'delinquent' | 'description' | 'email' | 'invoice_prefix' | 'invoice_settings' | 'livemode' | 'metadata' | 'name' | 'next_invoice_sequence' | 'phone' | 'preferred_locales' | 'shipping' | 'tax_exempt' | 'test_clock'
>;

export type Product = Pick<
  Stripe.Product,
  'id' | 'object' | 'active' | 'created' | 'default_price' | 'description' | 'images' | 'livemode' | 'marketing_features' | 'metadata' | 'name' | 'package_dimensions' | 'shippable' | 'statement_descriptor' | 'tax_code' | 'type' | 'unit_label' | 'updated' | 'url'
>;

// Decimal fields travel as strings; the SDK turns them into its Decimal type on arrival.
export type Price = Pick<
  Stripe.Price,
  'id' | 'object' | 'active' | 'billing_scheme' | 'created' | 'currency' | 'custom_unit_amount' | 'livemode' | 'lookup_key' | 'metadata' | 'nickname' | 'product' | 'recurring' | 'tax_behavior' | 'tiers_mode' | 'transform_quantity' | 'type' | 'unit_amount'
> & { unit_amount_decimal: string | null };

export type CheckoutSession = Pick<
  Stripe.Checkout.Session,
  | 'id' | 'object' | 'after_expiration' | 'allow_promotion_codes' | 'amount_subtotal' | 'amount_total' | 'automatic_tax' | 'billing_address_collection' | 'cancel_url'
  | 'client_reference_id' | 'client_secret' | 'consent' | 'consent_collection' | 'created' | 'currency' | 'custom_fields' | 'custom_text' | 'customer' | 'customer_creation'
  | 'customer_details' | 'customer_email' | 'discounts' | 'expires_at' | 'invoice' | 'invoice_creation' | 'livemode' | 'locale' | 'metadata' | 'mode' | 'payment_intent'
  | 'payment_link' | 'payment_method_collection' | 'payment_method_types' | 'payment_status' | 'phone_number_collection' | 'recovered_from' | 'setup_intent'
  | 'shipping_address_collection' | 'shipping_cost' | 'shipping_options' | 'status' | 'submit_type' | 'subscription' | 'success_url' | 'total_details' | 'ui_mode' | 'url'
>;

export type SubscriptionItem = Pick<
  Stripe.SubscriptionItem,
  'id' | 'object' | 'billing_thresholds' | 'created' | 'current_period_end' | 'current_period_start' | 'discounts' | 'metadata' | 'quantity' | 'subscription' | 'tax_rates'
> & { price: Price };

export type Subscription = Pick<
  Stripe.Subscription,
  | 'id' | 'object' | 'application' | 'application_fee_percent' | 'automatic_tax' | 'billing_cycle_anchor' | 'billing_thresholds' | 'cancel_at' | 'cancel_at_period_end'
  | 'canceled_at' | 'cancellation_details' | 'collection_method' | 'created' | 'currency' | 'customer' | 'days_until_due' | 'default_payment_method' | 'description'
  | 'discounts' | 'ended_at' | 'latest_invoice' | 'livemode' | 'metadata' | 'on_behalf_of' | 'pause_collection' | 'pending_setup_intent' | 'pending_update'
  | 'schedule' | 'start_date' | 'status' | 'test_clock' | 'transfer_data' | 'trial_end' | 'trial_start'
> & { items: ApiList<SubscriptionItem> };

export type InvoiceLine = Pick<
  Stripe.InvoiceLineItem,
  'id' | 'object' | 'amount' | 'currency' | 'description' | 'discount_amounts' | 'discountable' | 'discounts' | 'invoice' | 'livemode' | 'metadata' | 'parent' | 'period' | 'pretax_credit_amounts' | 'quantity' | 'subscription' | 'subtotal' | 'taxes'
> & { pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string | null } };

export type InvoicePayment = Pick<Stripe.InvoicePayment, 'id' | 'object' | 'amount_paid' | 'amount_requested' | 'created' | 'currency' | 'invoice' | 'is_default' | 'livemode' | 'payment' | 'status' | 'status_transitions'>;

export type Invoice = Pick<
  Stripe.Invoice,
  | 'id' | 'object' | 'account_country' | 'account_name' | 'amount_due' | 'amount_overpaid' | 'amount_paid' | 'amount_remaining' | 'amount_shipping' | 'attempt_count'
  | 'attempted' | 'auto_advance' | 'billing_reason' | 'collection_method' | 'created' | 'currency' | 'customer' | 'customer_email' | 'customer_name' | 'description'
  | 'discounts' | 'due_date' | 'effective_at' | 'ending_balance' | 'hosted_invoice_url' | 'invoice_pdf' | 'livemode' | 'metadata' | 'next_payment_attempt' | 'number'
  | 'parent' | 'period_end' | 'period_start' | 'starting_balance' | 'status' | 'status_transitions' | 'subtotal' | 'total' | 'total_discount_amounts' | 'webhooks_delivered_at'
> & { lines: ApiList<InvoiceLine>; payments?: ApiList<InvoicePayment> };

export type PaymentIntent = Pick<
  Stripe.PaymentIntent,
  | 'id' | 'object' | 'amount' | 'amount_capturable' | 'amount_received' | 'canceled_at' | 'cancellation_reason' | 'capture_method' | 'client_secret' | 'confirmation_method'
  | 'created' | 'currency' | 'customer' | 'description' | 'last_payment_error' | 'latest_charge' | 'livemode' | 'metadata' | 'next_action' | 'payment_method'
  | 'payment_method_types' | 'receipt_email' | 'status'
>;

export type Refund = Pick<
  Stripe.Refund,
  'id' | 'object' | 'amount' | 'balance_transaction' | 'charge' | 'created' | 'currency' | 'customer' | 'metadata' | 'payment_intent' | 'reason' | 'receipt_number' | 'source_transfer_reversal' | 'status' | 'transfer_reversal'
>;

export type PortalSession = Pick<Stripe.BillingPortal.Session, 'id' | 'object' | 'configuration' | 'created' | 'customer' | 'flow' | 'livemode' | 'locale' | 'on_behalf_of' | 'return_url' | 'url'>;

export type StripeEventType =
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'customer.created'
  | 'customer.subscription.created'
  | 'customer.subscription.updated'
  | 'customer.subscription.deleted'
  | 'invoice.paid'
  | 'invoice.payment_failed';

export type StripeEvent = Pick<Stripe.EventBase, 'id' | 'object' | 'api_version' | 'created' | 'livemode' | 'pending_webhooks' | 'request'> & {
  type: StripeEventType;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
};

/** The API request behind an event; Stripe sends null ids for automatic changes such as renewals. */
export type RequestRef = Stripe.Event.Request;
export const AUTOMATIC: RequestRef = { id: null, idempotency_key: null };

export interface IdempotentResult {
  /** Method, path and body of the first request, to refuse the key's reuse for another request. */
  fingerprint: string;
  status: number;
  body: unknown;
}

export interface StripeData {
  customers: Map<string, Customer>;
  products: Map<string, Product>;
  prices: Map<string, Price>;
  checkoutSessions: Map<string, CheckoutRecord>;
  subscriptions: Map<string, Subscription>;
  invoices: Map<string, Invoice>;
  /** By invoice id: `payments` is only in responses that ask for it with expand. */
  invoicePayments: Map<string, InvoicePayment[]>;
  paymentIntents: Map<string, PaymentIntent>;
  refunds: Map<string, Refund>;
  portalSessions: Map<string, PortalSession>;
  events: StripeEvent[];
  idempotency: Map<string, IdempotentResult>;
  coupons: Map<string, Coupon>;
  promotionCodes: Map<string, PromotionCode>;
  /** By subscription id: the coupon it was bought with, if any. */
  discounts: Map<string, AppliedDiscount>;
}

/** A copy to send: later changes to the stored object must not show in what was already sent. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function list<T>(data: T[], url: string, hasMore = false): ApiList<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

export function intervalOf(price: Price): Interval {
  if (!price.recurring) throw new Error(`Price ${price.id} is not recurring.`);
  return { unit: price.recurring.interval as IntervalUnit, count: price.recurring.interval_count };
}

export function newCustomer(fields: { email: string | null; name: string | null; description: string | null; phone: string | null; metadata: Record<string, string> }, now: number): Customer {
  return {
    id: newId('cus_'),
    object: 'customer',
    address: null,
    balance: 0,
    created: now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description,
    email: fields.email,
    invoice_prefix: newId('', 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata,
    name: fields.name,
    next_invoice_sequence: 1,
    phone: fields.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function newProduct(fields: { name: string; description: string | null; metadata: Record<string, string> }, now: number): Product {
  return {
    id: newId('prod_'),
    object: 'product',
    active: true,
    created: now,
    default_price: null,
    description: fields.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: fields.metadata,
    name: fields.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
}

export function newPrice(
  fields: { product: string; currency: string; unitAmount: number; interval: Interval | undefined; nickname: string | null; lookupKey: string | null; metadata: Record<string, string> },
  now: number,
): Price {
  return {
    id: newId('price_'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: now,
    currency: fields.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: fields.lookupKey,
    metadata: fields.metadata,
    nickname: fields.nickname,
    product: fields.product,
    recurring: fields.interval ? { interval: fields.interval.unit, interval_count: fields.interval.count, meter: null, trial_period_days: null, usage_type: 'licensed' } : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: fields.interval ? 'recurring' : 'one_time',
    unit_amount: fields.unitAmount,
    unit_amount_decimal: String(fields.unitAmount),
  };
}

export interface NewCheckoutSession {
  price: Price;
  quantity: number;
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  subscriptionMetadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: number;
}

/** A session plus what Checkout needs later but the API object does not show. */
export interface CheckoutRecord {
  session: CheckoutSession;
  price: Price;
  quantity: number;
  subscriptionMetadata: Record<string, string>;
  /** `discounts[0]`: a coupon, or a promotion code (and its coupon). */
  discount: { coupon: string; promotionCode: string | null } | undefined;
  /** `subscription_data[trial_period_days]`. */
  trialDays: number | undefined;
  /** `allow_promotion_codes`: the page asks for a code. */
  allowPromotionCodes: boolean;
}

export function newCheckoutSession(fields: NewCheckoutSession, baseUrl: string, now: number): CheckoutSession {
  const id = newId('cs_test_', 58);
  const amount = (fields.price.unit_amount ?? 0) * fields.quantity;
  return {
    id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: amount,
    amount_total: amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: fields.cancelUrl,
    client_reference_id: fields.clientReferenceId,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: fields.price.currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: fields.customer,
    customer_creation: fields.customer ? null : 'always',
    customer_details: null,
    customer_email: fields.customerEmail,
    discounts: [],
    expires_at: fields.expiresAt,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    metadata: fields.metadata,
    mode: 'subscription',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: fields.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: `${baseUrl}/c/pay/${id}`,
  };
}

export function newSubscription(
  fields: { customer: string; price: Price; quantity: number; metadata: Record<string, string>; paymentMethod: string; periodStart: number; periodEnd: number },
  now: number,
): Subscription {
  const id = newId('sub_');
  const item: SubscriptionItem = {
    id: newId('si_'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: now,
    current_period_end: fields.periodEnd,
    current_period_start: fields.periodStart,
    discounts: [],
    metadata: {},
    price: copy(fields.price),
    quantity: fields.quantity,
    subscription: id,
    tax_rates: [],
  };
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: fields.periodStart,
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: fields.price.currency,
    customer: fields.customer,
    days_until_due: null,
    default_payment_method: fields.paymentMethod,
    description: null,
    discounts: [],
    ended_at: null,
    items: list([item], `/v1/subscription_items?subscription=${id}`),
    latest_invoice: null,
    livemode: false,
    metadata: fields.metadata,
    on_behalf_of: null,
    pause_collection: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: 'incomplete',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_start: null,
  };
}

/** The one item every subscription here has (Checkout sessions take one line item). */
export function itemOf(subscription: Subscription): SubscriptionItem {
  const item = subscription.items.data[0];
  if (!item) throw new Error(`Subscription ${subscription.id} has no items.`);
  return item;
}

/** Stripe's line description: "1 × Premium (at ₹2,700 every 12 months)". */
function lineDescription(item: SubscriptionItem, productName: string): string {
  const price = item.price;
  const at = `${formatMoney(price.unit_amount ?? 0, price.currency)} ${price.recurring ? describeInterval(intervalOf(price)) : ''}`.trim();
  return `${item.quantity ?? 1} × ${productName} (at ${at})`;
}

/**
 * An open invoice for one period of a subscription. As in Stripe, the invoice's own
 * period_start/period_end cover the period *before* the billed one (both are the creation time
 * on a subscription's first invoice); the billed period is on the line: lines.data[0].period.
 */
export function newInvoice(
  fields: {
    subscription: Subscription;
    customer: Customer;
    productName: string;
    billingReason: 'subscription_create' | 'subscription_cycle';
    previousPeriod: { start: number; end: number };
    /** A trial's invoice: nothing to pay for its period. */
    trial?: boolean;
    /** What a discount takes off, and which one. */
    discount?: { amount: number; coupon: string } | undefined;
  },
  now: number,
): Invoice {
  const id = newId('in_');
  const item = itemOf(fields.subscription);
  const amount = fields.trial ? 0 : (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
  const off = fields.discount && fields.discount.amount > 0 ? fields.discount : undefined;
  const total = amount - (off?.amount ?? 0);
  const discountAmounts = off ? [{ amount: off.amount, discount: `di_${off.coupon}` }] : [];
  const line: InvoiceLine = {
    id: newId('il_'),
    object: 'line_item',
    amount,
    currency: item.price.currency,
    description: fields.trial ? `Trial period for ${fields.productName}` : lineDescription(item, fields.productName),
    discount_amounts: discountAmounts,
    discountable: true,
    discounts: [],
    invoice: id,
    livemode: false,
    metadata: copy(fields.subscription.metadata),
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: fields.subscription.id, subscription_item: item.id },
    },
    period: { start: item.current_period_start, end: item.current_period_end },
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: item.price.id, product: String(item.price.product) }, unit_amount_decimal: item.price.unit_amount_decimal },
    quantity: item.quantity ?? 1,
    subscription: fields.subscription.id,
    subtotal: amount,
    taxes: [],
  };
  return {
    id,
    object: 'invoice',
    account_country: 'IN',
    account_name: 'Local test provider',
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    billing_reason: fields.billingReason,
    collection_method: 'charge_automatically',
    created: now,
    currency: item.price.currency,
    customer: fields.customer.id,
    customer_email: fields.customer.email,
    customer_name: fields.customer.name ?? null,
    description: null,
    discounts: [],
    due_date: null,
    effective_at: now,
    ending_balance: 0,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: list([line], `/v1/invoices/${id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: `${newId('', 8).toUpperCase()}-0001`,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: copy(fields.subscription.metadata), subscription: fields.subscription.id } },
    period_end: fields.previousPeriod.end,
    period_start: fields.previousPeriod.start,
    starting_balance: 0,
    status: 'open',
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: amount,
    total,
    total_discount_amounts: discountAmounts,
    webhooks_delivered_at: now,
  };
}

export function newPaymentIntent(fields: { amount: number; currency: string; customer: string; paymentMethod: string; description: string }, now: number): PaymentIntent {
  const id = newId('pi_', 24);
  return {
    id,
    object: 'payment_intent',
    amount: fields.amount,
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${newId('', 25)}`,
    confirmation_method: 'automatic',
    created: now,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    next_action: null,
    payment_method: fields.paymentMethod,
    payment_method_types: ['card'],
    receipt_email: null,
    status: 'requires_confirmation',
  };
}

export function newInvoicePayment(fields: { invoice: string; paymentIntent: string; amount: number; currency: string }, now: number): InvoicePayment {
  return {
    id: newId('inpay_', 24),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: fields.amount,
    created: now,
    currency: fields.currency,
    invoice: fields.invoice,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: fields.paymentIntent },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

export function newRefund(fields: { amount: number; paymentIntent: PaymentIntent; metadata: Record<string, string>; reason: Stripe.Refund.Reason | null }, now: number): Refund {
  return {
    id: newId('re_', 24),
    object: 'refund',
    amount: fields.amount,
    balance_transaction: newId('txn_', 24),
    charge: fields.paymentIntent.latest_charge,
    created: now,
    currency: fields.paymentIntent.currency,
    customer: fields.paymentIntent.customer,
    metadata: fields.metadata,
    payment_intent: fields.paymentIntent.id,
    reason: fields.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export function newPortalSession(fields: { customer: string; returnUrl: string | null }, baseUrl: string, now: number): PortalSession {
  const id = newId('bps_', 24);
  return {
    id,
    object: 'billing_portal.session',
    configuration: newId('bpc_', 24),
    created: now,
    customer: fields.customer,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: fields.returnUrl,
    url: `${baseUrl}/p/session/${id}`,
  };
}
