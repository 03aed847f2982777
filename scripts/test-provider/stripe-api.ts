// Stripe's HTTP API, as far as the product uses it: form-encoded requests, JSON answers, Stripe's
// error format, Idempotency-Key replay and `expand[]`. Handlers read and check every parameter
// before they change anything, so a refused request leaves no trace.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Interval, IntervalUnit } from './billing-cycle.ts';
import { nowSeconds } from './billing-cycle.ts';
import { isEmailAddress } from './cards.ts';
import { takeFault } from './faults.ts';
import { BodyTooLargeError, credentialsOf, matchPath, readBody, sendJson } from './http.ts';
import { formatMoney } from './money.ts';
import { ParamError, Params, parseFormParams } from './params.ts';
import { isStripeTestKey, maskKey, newestFirst } from './store.ts';
import { newId } from './ids.ts';
import type { StripeAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import { TransitionError } from './outcomes.ts';
import { announceCustomer, cancelNow, expireCheckout, previewRenewal, updateSubscription } from './stripe-billing.ts';
import { couponProblem, newCoupon, newPromotionCode, promotionCodeProblem } from './stripe-discounts.ts';
import { copy, list, newCheckoutSession, newCustomer, newPortalSession, newPrice, newProduct, newRefund, STRIPE_API_VERSION } from './stripe-objects.ts';
import type { ApiList, CheckoutRecord, Price, RequestRef, Subscription } from './stripe-objects.ts';

const GUIDE = 'scripts/test-provider/README.md';

class StripeError extends Error {
  readonly status: number;
  readonly type: Stripe.RawErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  constructor(status: number, type: Stripe.RawErrorType, message: string, details: { code?: string; param?: string } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = details.code;
    this.param = details.param;
  }

  toJSON(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code) error['code'] = this.code;
    if (this.param) error['param'] = this.param;
    return { error };
  }
}

const invalid = (message: string, param?: string, code?: string): StripeError =>
  new StripeError(400, 'invalid_request_error', message, { ...(param ? { param } : {}), ...(code ? { code } : {}) });

const noSuch = (kind: string, id: string, param = 'id'): StripeError => new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });

function fromParamError(error: ParamError): StripeError {
  switch (error.problem) {
    case 'missing':
      return invalid(`Missing required param: ${error.path}.`, error.path, 'parameter_missing');
    case 'unknown':
      return invalid(`Received unknown parameter: ${error.path}. (The local test provider implements only part of Stripe's API; see ${GUIDE}.)`, error.path, 'parameter_unknown');
    case 'invalid':
      return invalid(error.message, error.path, error.expected === 'integer' ? 'parameter_invalid_integer' : undefined);
  }
}

/** What every handler gets: the account, its parameters and the ids from the path. */
interface StripeCall {
  context: ProviderContext;
  account: StripeAccount;
  params: Params;
  ids: Record<string, string>;
  request: RequestRef;
}

type Handler = (call: StripeCall) => unknown;

const METADATA_LIMITS = { maxKeys: 50, maxKeyLength: 40, maxValueLength: 500 };

function readMetadata(params: Params, key = 'metadata'): Record<string, string> {
  return params.record(key, METADATA_LIMITS) ?? {};
}

function readUrl(params: Params, key: string): string | null {
  const value = params.string(key);
  if (value === undefined || value === '') return null;
  // {CHECKOUT_SESSION_ID} is a template Stripe fills in on redirect, not part of a valid URL.
  const candidate = value.replaceAll('{CHECKOUT_SESSION_ID}', 'cs_test');
  const parsed = URL.canParse(candidate) ? new URL(candidate) : undefined;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw invalid(`Not a valid URL: ${params.path(key)} must be an absolute http(s) URL.`, params.path(key), 'url_invalid');
  return value;
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

function readCurrency(params: Params): string {
  const currency = params.string('currency', { required: true }).toLowerCase();
  if (!CURRENCIES.has(currency)) throw invalid(`Invalid currency: ${currency}. Use a three-letter ISO code such as inr or usd.`, params.path('currency'));
  return currency;
}

const INTERVAL_LIMITS: Record<IntervalUnit, number> = { day: 1095, week: 156, month: 36, year: 3 };

/** `recurring[interval|interval_count]`, at most three years long, as Stripe allows. */
function readRecurring(params: Params): Interval | undefined {
  const recurring = params.object('recurring');
  if (!recurring) return undefined;
  const unit = recurring.oneOf('interval', ['day', 'week', 'month', 'year'] as const, { required: true });
  const count = recurring.integer('interval_count', { min: 1 }) ?? 1;
  if (count > INTERVAL_LIMITS[unit]) {
    throw invalid(`The maximum billing period is 3 years (1095 days, 156 weeks or 36 months); ${recurring.path('interval_count')} asks for ${count} ${unit}s.`, recurring.path('interval_count'));
  }
  return { unit, count };
}

const UNIT_AMOUNT = { required: true, min: 1, max: 99_999_999 } as const;

/** product (an id) or product_data[name]: exactly one. Returns a product id, making one if asked. */
function productFor(call: StripeCall, params: Params): () => string {
  const productId = params.string('product');
  const productData = params.object('product_data');
  const name = productData?.string('name', { required: true, max: 250 });
  const description = productData?.string('description') ?? null;
  const metadata = productData ? readMetadata(productData) : {};
  if (productId && productData) throw invalid('You may only specify one of these parameters: product, product_data.', params.path('product'));
  if (productId) {
    if (!call.account.data.products.has(productId)) throw noSuch('product', productId, params.path('product'));
    return () => productId;
  }
  if (!name) throw invalid(`Missing required param: ${params.path('product_data')}[name] (or give ${params.path('product')}).`, `${params.path('product_data')}[name]`, 'parameter_missing');
  return () => {
    const product = newProduct({ name, description, metadata }, nowSeconds());
    call.account.data.products.set(product.id, product);
    return product.id;
  };
}

// Every list is newest first, like Stripe's, and pages with limit / starting_after / ending_before.
function page<T extends { id: string }>(params: Params, all: T[], url: string): ApiList<T> {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const after = params.string('starting_after');
  const before = params.string('ending_before');
  params.rejectUnknown();
  let items = all;
  if (after) items = items.slice(items.findIndex((item) => item.id === after) + 1 || items.length);
  if (before) {
    const end = items.findIndex((item) => item.id === before);
    items = end < 0 ? [] : items.slice(Math.max(0, end - limit), end);
  }
  return list(items.slice(0, limit), url, items.length > limit);
}

function checkoutRecord(call: StripeCall): CheckoutRecord {
  const id = call.ids['id'] ?? '';
  const record = call.account.data.checkoutSessions.get(id);
  if (!record) throw noSuch('checkout.session', id);
  return record;
}

function subscription(call: StripeCall): Subscription {
  const id = call.ids['id'] ?? '';
  const stored = call.account.data.subscriptions.get(id);
  if (!stored) throw noSuch('subscription', id);
  return stored;
}

function createCheckoutSession(call: StripeCall): unknown {
  const { params, account, context } = call;
  const mode = params.oneOf('mode', ['payment', 'setup', 'subscription'] as const, { required: true });
  const lineItems = params.list('line_items');
  const customerId = params.string('customer');
  const customerEmail = params.string('customer_email', { max: 800 });
  const clientReferenceId = params.string('client_reference_id', { max: 200 });
  const metadata = readMetadata(params);
  const subscriptionData = params.object('subscription_data');
  const subscriptionMetadata = subscriptionData ? readMetadata(subscriptionData) : {};
  const trialDays = subscriptionData?.integer('trial_period_days', { min: 1, max: 730 });
  const successUrl = readUrl(params, 'success_url');
  const cancelUrl = readUrl(params, 'cancel_url');
  const expiresAt = params.integer('expires_at');
  const allowPromotionCodes = params.boolean('allow_promotion_codes') ?? false;
  const discounts = params.list('discounts');
  const discountCoupon = discounts[0]?.string('coupon');
  const discountPromotion = discounts[0]?.string('promotion_code');
  discounts[0]?.rejectUnknown();
  const [line, ...more] = lineItems;
  if (more.length) throw invalid('The local test provider supports one line item per Checkout Session.', 'line_items[1]');
  const priceId = line?.string('price');
  const priceData = line?.object('price_data');
  const quantity = line?.integer('quantity', { min: 1, max: 999_999 });
  const dataCurrency = priceData ? readCurrency(priceData) : undefined;
  const dataAmount = priceData?.integer('unit_amount', UNIT_AMOUNT);
  const dataInterval = priceData ? readRecurring(priceData) : undefined;
  const dataProduct = priceData ? productFor(call, priceData) : undefined;
  params.rejectUnknown();

  if (mode !== 'subscription') throw invalid(`The local test provider supports only mode=subscription Checkout Sessions, not mode=${mode}.`, 'mode');
  if (!line) throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
  if (priceId && priceData) throw invalid('You may only specify one of these parameters: price, price_data.', 'line_items[0][price]');
  if (!priceId && !priceData) throw invalid('You must specify either `price` or `price_data` in line_items[0].', 'line_items[0][price]', 'parameter_missing');
  if (quantity === undefined) throw invalid('Quantity is required. Add `quantity` to `line_items[0]`.', 'line_items[0][quantity]', 'parameter_missing');
  if (customerId && customerEmail) throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
  if (customerId && !account.data.customers.has(customerId)) throw noSuch('customer', customerId, 'customer');
  if (customerEmail !== undefined && !isEmailAddress(customerEmail)) throw invalid(`Invalid email address: ${customerEmail}`, 'customer_email', 'email_invalid');
  const now = nowSeconds();
  if (expiresAt !== undefined && (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600)) {
    throw invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
  }
  let price: Price | undefined;
  if (priceId) {
    price = account.data.prices.get(priceId);
    if (!price) throw noSuch('price', priceId, 'line_items[0][price]');
  } else if (!dataInterval) {
    throw invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items[0][price_data][recurring]');
  }
  if (price && !price.recurring) throw invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items[0][price]');
  const discount = checkoutDiscount(account, { discounts: discounts.length, coupon: discountCoupon, promotionCode: discountPromotion, allowPromotionCodes }, price?.currency ?? dataCurrency ?? '', now);

  if (!price) {
    price = newPrice(
      { product: dataProduct?.() ?? '', currency: dataCurrency ?? '', unitAmount: dataAmount ?? 0, interval: dataInterval, nickname: null, lookupKey: null, metadata: {} },
      now,
    );
    account.data.prices.set(price.id, price);
  }
  const session = newCheckoutSession(
    { price, quantity, customer: customerId ?? null, customerEmail: customerEmail ?? null, clientReferenceId: clientReferenceId ?? null, metadata, subscriptionMetadata, successUrl, cancelUrl, expiresAt: expiresAt ?? now + 24 * 3600 },
    context.baseUrl,
    now,
  );
  session.allow_promotion_codes = allowPromotionCodes || null;
  if (discount) {
    session.discounts = [discount.promotionCode ? { coupon: null, promotion_code: discount.promotionCode } : { coupon: discount.coupon, promotion_code: null }];
    const coupon = account.data.coupons.get(discount.coupon)!;
    const charge = (price.unit_amount ?? 0) * quantity;
    // What the first invoice will take off: all of it for a trial's empty first invoice.
    const off = trialDays ? 0 : Math.min(charge, coupon.amount_off ?? Math.round((charge * (coupon.percent_off ?? 0)) / 100));
    session.total_details = { amount_discount: off, amount_shipping: 0, amount_tax: 0 };
    session.amount_total = charge - off;
  }
  if (trialDays) session.amount_total = 0;
  account.data.checkoutSessions.set(session.id, { session, price, quantity, subscriptionMetadata, discount, trialDays, allowPromotionCodes });
  context.accounts.ownPage(session.id, account);
  return session;
}

/** `discounts[0]` of a new session, checked now as Stripe does: one coupon or promotion code that can be redeemed. */
function checkoutDiscount(
  account: StripeAccount,
  asked: { discounts: number; coupon: string | undefined; promotionCode: string | undefined; allowPromotionCodes: boolean },
  currency: string,
  now: number,
): { coupon: string; promotionCode: string | null } | undefined {
  if (asked.discounts > 1) throw invalid('The local test provider supports one discount per Checkout Session.', 'discounts[1]');
  if (asked.discounts === 0) return undefined;
  if (asked.allowPromotionCodes) throw invalid('You may only specify one of these parameters: allow_promotion_codes, discounts.', 'discounts');
  if (asked.coupon && asked.promotionCode) throw invalid('You may only specify one of these parameters: coupon, promotion_code.', 'discounts[0][coupon]');
  if (asked.promotionCode) {
    const promotion = account.data.promotionCodes.get(asked.promotionCode);
    if (!promotion) throw noSuch('promotion_code', asked.promotionCode, 'discounts[0][promotion_code]');
    const problem = promotionCodeProblem(promotion, account.data.coupons.get(promotion.promotion.coupon), now);
    if (problem) throw invalid(problem, 'discounts[0][promotion_code]', 'promotion_code_invalid');
    return { coupon: promotion.promotion.coupon, promotionCode: promotion.id, ...currencyChecked(account, promotion.promotion.coupon, currency) };
  }
  if (!asked.coupon) throw invalid('Missing required param: discounts[0][coupon] (or discounts[0][promotion_code]).', 'discounts[0][coupon]', 'parameter_missing');
  const coupon = account.data.coupons.get(asked.coupon);
  if (!coupon) throw noSuch('coupon', asked.coupon, 'discounts[0][coupon]');
  const problem = couponProblem(coupon, now);
  if (problem) throw invalid(problem, 'discounts[0][coupon]', 'coupon_expired');
  return { coupon: coupon.id, promotionCode: null, ...currencyChecked(account, coupon.id, currency) };
}

function currencyChecked(account: StripeAccount, couponId: string, currency: string): object {
  const coupon = account.data.coupons.get(couponId);
  if (coupon?.currency && coupon.currency !== currency) throw invalid(`Coupon ${couponId} is in ${coupon.currency}, but the price is in ${currency}.`, 'discounts[0]');
  return {};
}

function createCoupon(call: StripeCall): unknown {
  const { params, account } = call;
  const id = params.string('id', { max: 200 });
  const amountOff = params.integer('amount_off', { min: 1 }) ?? null;
  const percentOff = params.has('percent_off') ? Number(params.string('percent_off')) : null;
  const currency = params.has('currency') ? readCurrency(params) : null;
  const duration = params.oneOf('duration', ['once', 'repeating', 'forever'] as const) ?? 'once';
  const months = params.integer('duration_in_months', { min: 1, max: 1200 }) ?? null;
  const maxRedemptions = params.integer('max_redemptions', { min: 1 }) ?? null;
  const redeemBy = params.integer('redeem_by') ?? null;
  const name = params.string('name', { max: 40 }) ?? null;
  const metadata = readMetadata(params);
  params.rejectUnknown();
  if ((amountOff === null) === (percentOff === null)) throw invalid('Exactly one of amount_off or percent_off is required.', 'amount_off');
  if (percentOff !== null && !(percentOff > 0 && percentOff <= 100)) throw invalid('percent_off must be more than 0 and at most 100.', 'percent_off');
  if (amountOff !== null && !currency) throw invalid('You must pass currency when passing amount_off.', 'currency', 'parameter_missing');
  if ((duration === 'repeating') !== (months !== null)) throw invalid('duration_in_months is required with duration=repeating, and only with it.', 'duration_in_months');
  if (id !== undefined && account.data.coupons.has(id)) throw invalid('Coupon already exists.', 'id', 'resource_already_exists');
  const coupon = newCoupon(
    { id, amount_off: amountOff, percent_off: percentOff, currency, duration, duration_in_months: months, max_redemptions: maxRedemptions, redeem_by: redeemBy, name, metadata },
    nowSeconds(),
  );
  account.data.coupons.set(coupon.id, coupon);
  return coupon;
}

function createPromotionCode(call: StripeCall): unknown {
  const { params, account } = call;
  const promotion = params.object('promotion');
  const type = promotion?.oneOf('type', ['coupon'] as const, { required: true });
  const couponId = promotion?.string('coupon', { required: true });
  promotion?.rejectUnknown();
  const code = params.string('code', { max: 500 });
  const active = params.boolean('active') ?? true;
  const expiresAt = params.integer('expires_at') ?? null;
  const maxRedemptions = params.integer('max_redemptions', { min: 1 }) ?? null;
  const metadata = readMetadata(params);
  params.rejectUnknown();
  if (!type || !couponId) throw invalid('Missing required param: promotion[coupon].', 'promotion[coupon]', 'parameter_missing');
  if (!account.data.coupons.has(couponId)) throw noSuch('coupon', couponId, 'promotion[coupon]');
  if (code !== undefined && !/^[A-Za-z0-9_-]+$/.test(code)) throw invalid('A promotion code may only contain letters, digits, hyphens and underscores.', 'code');
  if (code !== undefined && [...account.data.promotionCodes.values()].some((other) => other.active && other.code.toUpperCase() === code.toUpperCase())) {
    throw invalid(`An active promotion code with \`code: ${code}\` already exists.`, 'code', 'resource_already_exists');
  }
  const made = newPromotionCode({ code, coupon: couponId, active, expires_at: expiresAt, max_redemptions: maxRedemptions, metadata }, nowSeconds());
  account.data.promotionCodes.set(made.id, made);
  return made;
}

function createPrice(call: StripeCall): unknown {
  const { params, account } = call;
  const currency = readCurrency(params);
  const unitAmount = params.integer('unit_amount', UNIT_AMOUNT);
  const interval = readRecurring(params);
  const product = productFor(call, params);
  const nickname = params.string('nickname') ?? null;
  const lookupKey = params.string('lookup_key', { max: 200 }) ?? null;
  const metadata = readMetadata(params);
  params.rejectUnknown();
  const price = newPrice({ product: product(), currency, unitAmount, interval, nickname, lookupKey, metadata }, nowSeconds());
  account.data.prices.set(price.id, price);
  return price;
}

function createRefund(call: StripeCall): unknown {
  const { params, account } = call;
  const intentId = params.string('payment_intent');
  const chargeId = params.string('charge');
  const amount = params.integer('amount', { min: 1 });
  const metadata = readMetadata(params);
  const reason = params.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null;
  params.rejectUnknown();
  if (!intentId && !chargeId) throw invalid('One of `payment_intent` or `charge` is required to create a refund.', 'payment_intent', 'parameter_missing');
  if (intentId && chargeId) throw invalid('You may only specify one of these parameters: charge, payment_intent.', 'charge');
  const intent = intentId ? account.data.paymentIntents.get(intentId) : [...account.data.paymentIntents.values()].find((candidate) => candidate.latest_charge === chargeId);
  if (!intent) throw intentId ? noSuch('payment_intent', intentId, 'payment_intent') : noSuch('charge', chargeId ?? '', 'charge');
  if (intent.status !== 'succeeded') throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
  const refunded = [...account.data.refunds.values()].filter((refund) => refund.payment_intent === intent.id).reduce((sum, refund) => sum + refund.amount, 0);
  const remaining = intent.amount_received - refunded;
  if (remaining <= 0) throw invalid(`Charge ${String(intent.latest_charge)} has already been refunded.`, 'payment_intent', 'charge_already_refunded');
  if (amount !== undefined && amount > remaining) {
    throw invalid(
      `Refund amount (${formatMoney(amount, intent.currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, intent.currency)})`,
      'amount',
      'amount_too_large',
    );
  }
  const refund = newRefund({ amount: amount ?? remaining, paymentIntent: intent, metadata, reason }, nowSeconds());
  account.data.refunds.set(refund.id, refund);
  return refund;
}

const ROUTES: [method: string, pattern: string, handler: Handler][] = [
  [
    'POST',
    '/v1/customers',
    (call) => {
      const { params, account, context } = call;
      const email = params.string('email', { max: 512 }) ?? null;
      const name = params.string('name', { max: 256 }) ?? null;
      const description = params.string('description', { max: 350 }) ?? null;
      const phone = params.string('phone', { max: 20 }) ?? null;
      const metadata = readMetadata(params);
      params.rejectUnknown();
      const customer = newCustomer({ email, name, description, phone, metadata }, nowSeconds());
      account.data.customers.set(customer.id, customer);
      announceCustomer(context, account, customer, call.request);
      return customer;
    },
  ],
  [
    'GET',
    '/v1/customers',
    ({ params, account }) => {
      const email = params.string('email', { max: 512 });
      const customers = newestFirst(account.data.customers.values()).filter((customer) => email === undefined || customer.email === email);
      return page(params, customers, '/v1/customers');
    },
  ],
  ['GET', '/v1/customers/:id', (call) => found(call, 'customer', call.account.data.customers)],
  [
    'POST',
    '/v1/products',
    ({ params, account }) => {
      const name = params.string('name', { required: true, max: 250 });
      const description = params.string('description') ?? null;
      const metadata = readMetadata(params);
      params.rejectUnknown();
      const product = newProduct({ name, description, metadata }, nowSeconds());
      account.data.products.set(product.id, product);
      return product;
    },
  ],
  ['GET', '/v1/products/:id', (call) => found(call, 'product', call.account.data.products)],
  ['POST', '/v1/prices', createPrice],
  ['GET', '/v1/prices/:id', (call) => found(call, 'price', call.account.data.prices)],
  ['POST', '/v1/checkout/sessions', createCheckoutSession],
  ['POST', '/v1/coupons', createCoupon],
  ['GET', '/v1/coupons/:id', (call) => found(call, 'coupon', call.account.data.coupons)],
  ['POST', '/v1/promotion_codes', createPromotionCode],
  [
    'GET',
    '/v1/promotion_codes',
    ({ params, account }) => {
      const code = params.string('code');
      const coupon = params.string('coupon');
      const active = params.boolean('active');
      // Stripe matches `code` without regard to case.
      const codes = newestFirst(account.data.promotionCodes.values()).filter(
        (candidate) =>
          (code === undefined || candidate.code.toUpperCase() === code.toUpperCase()) &&
          (coupon === undefined || candidate.promotion.coupon === coupon) &&
          (active === undefined || candidate.active === active),
      );
      return page(params, codes, '/v1/promotion_codes');
    },
  ],
  ['GET', '/v1/promotion_codes/:id', (call) => found(call, 'promotion_code', call.account.data.promotionCodes)],
  [
    'POST',
    '/v1/invoices/create_preview',
    (call) => {
      const id = call.params.string('subscription', { required: true });
      call.params.rejectUnknown();
      const stored = call.account.data.subscriptions.get(id);
      if (!stored) throw noSuch('subscription', id, 'subscription');
      return previewRenewal(call.account, stored, nowSeconds());
    },
  ],
  [
    'GET',
    '/v1/checkout/sessions/:id',
    (call) => {
      call.params.rejectUnknown();
      return checkoutRecord(call).session;
    },
  ],
  [
    'POST',
    '/v1/checkout/sessions/:id/expire',
    (call) => {
      call.params.rejectUnknown();
      return expireCheckout(call.context, call.account, checkoutRecord(call), call.request);
    },
  ],
  [
    'GET',
    '/v1/subscriptions',
    ({ params, account }) => {
      const customer = params.string('customer');
      const status = params.oneOf('status', ['active', 'all', 'canceled', 'ended', 'incomplete', 'past_due', 'unpaid'] as const);
      const matches = newestFirst(account.data.subscriptions.values()).filter(
        (candidate) =>
          (customer === undefined || candidate.customer === customer) &&
          (status === 'all' || (status === undefined ? candidate.status !== 'canceled' : status === 'ended' ? candidate.status === 'canceled' : candidate.status === status)),
      );
      return page(params, matches, '/v1/subscriptions');
    },
  ],
  [
    'GET',
    '/v1/subscriptions/:id',
    (call) => {
      call.params.rejectUnknown();
      return subscription(call);
    },
  ],
  [
    'POST',
    '/v1/subscriptions/:id',
    (call) => {
      const cancelAtPeriodEnd = call.params.boolean('cancel_at_period_end');
      const metadata = call.params.record('metadata', METADATA_LIMITS);
      call.params.rejectUnknown();
      return updateSubscription(call.context, call.account, subscription(call), { cancelAtPeriodEnd, metadata }, call.request);
    },
  ],
  [
    'DELETE',
    '/v1/subscriptions/:id',
    (call) => {
      call.params.rejectUnknown();
      return cancelNow(call.context, call.account, subscription(call), call.request);
    },
  ],
  [
    'GET',
    '/v1/invoices',
    ({ params, account }) => {
      const subscriptionId = params.string('subscription');
      const customer = params.string('customer');
      const status = params.oneOf('status', ['draft', 'open', 'paid', 'uncollectible', 'void'] as const);
      const invoices = newestFirst(account.data.invoices.values()).filter(
        (invoice) =>
          (subscriptionId === undefined || invoice.parent?.subscription_details?.subscription === subscriptionId) &&
          (customer === undefined || invoice.customer === customer) &&
          (status === undefined || invoice.status === status),
      );
      return page(params, invoices, '/v1/invoices');
    },
  ],
  ['GET', '/v1/invoices/:id', (call) => found(call, 'invoice', call.account.data.invoices)],
  ['GET', '/v1/payment_intents/:id', (call) => found(call, 'payment_intent', call.account.data.paymentIntents)],
  ['POST', '/v1/refunds', createRefund],
  [
    'GET',
    '/v1/refunds',
    ({ params, account }) => {
      const intent = params.string('payment_intent');
      const charge = params.string('charge');
      const refunds = newestFirst(account.data.refunds.values()).filter((refund) => (intent === undefined || refund.payment_intent === intent) && (charge === undefined || refund.charge === charge));
      return page(params, refunds, '/v1/refunds');
    },
  ],
  ['GET', '/v1/refunds/:id', (call) => found(call, 'refund', call.account.data.refunds)],
  [
    'POST',
    '/v1/billing_portal/sessions',
    (call) => {
      const { params, account, context } = call;
      const customer = params.string('customer', { required: true });
      const returnUrl = readUrl(params, 'return_url');
      params.rejectUnknown();
      if (!account.data.customers.has(customer)) throw noSuch('customer', customer, 'customer');
      const session = newPortalSession({ customer, returnUrl }, context.baseUrl, nowSeconds());
      account.data.portalSessions.set(session.id, session);
      context.accounts.ownPage(session.id, account);
      return session;
    },
  ],
  [
    'GET',
    '/v1/events',
    ({ params, account }) => {
      const type = params.string('type');
      return page(params, newestFirst(account.data.events).filter((event) => type === undefined || event.type === type), '/v1/events');
    },
  ],
  [
    'GET',
    '/v1/events/:id',
    (call) => {
      call.params.rejectUnknown();
      const event = call.account.data.events.find((candidate) => candidate.id === call.ids['id']);
      if (!event) throw noSuch('event', call.ids['id'] ?? '');
      return event;
    },
  ],
];

function found<T>(call: StripeCall, kind: string, objects: Map<string, T>): T {
  call.params.rejectUnknown();
  const id = call.ids['id'] ?? '';
  const object = objects.get(id);
  if (!object) throw noSuch(kind, id);
  return object;
}

// --- expand[] ---------------------------------------------------------------------------------

/** Fields that hold an id and can be replaced by the object. */
const EXPANDABLE = new Set(['customer', 'subscription', 'latest_invoice', 'invoice', 'payment_intent', 'product']);
/** Fields only present when asked for. */
const INCLUDABLE = new Set(['payments']);
/** Fields holding objects or lists that an expand path may pass through. */
const PASS_THROUGH = new Set(['data', 'items', 'lines', 'parent', 'subscription_details', 'payment', 'price', 'pricing', 'price_details']);

function checkExpandPaths(paths: string[]): void {
  for (const path of paths) {
    const bad = path.split('.').find((segment) => !EXPANDABLE.has(segment) && !INCLUDABLE.has(segment) && !PASS_THROUGH.has(segment));
    if (bad !== undefined) throw invalid(`This property cannot be expanded (${bad}).`, 'expand');
  }
}

function lookup(account: StripeAccount, id: string): unknown {
  const { data } = account;
  const [prefix] = id.split('_', 1);
  const object =
    prefix === 'cus' ? data.customers.get(id)
    : prefix === 'sub' ? data.subscriptions.get(id)
    : prefix === 'in' ? data.invoices.get(id)
    : prefix === 'pi' ? data.paymentIntents.get(id)
    : prefix === 'prod' ? data.products.get(id)
    : prefix === 'price' ? data.prices.get(id)
    : prefix === 'cs' ? data.checkoutSessions.get(id)?.session
    : undefined;
  if (!object) throw invalid(`Cannot expand ${id}: the local test provider does not model that object.`, 'expand');
  return copy(object);
}

function expandPath(account: StripeAccount, target: unknown, segments: string[]): void {
  const [field, ...rest] = segments;
  if (!field || typeof target !== 'object' || target === null) return;
  const object = target as Record<string, unknown>;
  if (object['object'] === 'list' && field === 'data') {
    for (const item of object['data'] as unknown[]) expandPath(account, item, rest);
    return;
  }
  if (INCLUDABLE.has(field) && object['object'] === 'invoice') {
    const id = String(object['id']);
    object[field] = list(copy(account.data.invoicePayments.get(id) ?? []), `/v1/invoices/${id}/payments`);
  } else if (EXPANDABLE.has(field) && typeof object[field] === 'string') {
    object[field] = lookup(account, object[field]);
  }
  expandPath(account, object[field], rest);
}

// --- requests ---------------------------------------------------------------------------------

function authenticate(req: IncomingMessage, context: ProviderContext): StripeAccount {
  const credentials = credentialsOf(req);
  const key = credentials?.scheme === 'bearer' ? credentials.token : credentials?.user;
  if (!key) {
    throw new StripeError(
      401,
      'invalid_request_error',
      "You did not provide an API key. Send your test key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer sk_test_…'). Razorpay clients use HTTP Basic auth with rzp_test_….",
    );
  }
  if (/^(sk|rk)_live_/.test(key)) throw new StripeError(401, 'invalid_request_error', `This is a local test-mode provider; it refuses live keys such as ${maskKey(key)}. Use an sk_test_… key.`);
  if (!isStripeTestKey(key)) throw new StripeError(401, 'invalid_request_error', `Invalid API Key provided: ${maskKey(key)}. The local test provider takes sk_test_… keys.`);
  return context.accounts.stripe(key);
}

/** Answers one Stripe API request. Never throws: every failure becomes a Stripe error response. */
export async function handleStripeRequest(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL, stopping: AbortSignal): Promise<void> {
  const requestId = newId('req_');
  const method = req.method ?? 'GET';
  const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': STRIPE_API_VERSION };
  const idempotencyKey = req.headers['idempotency-key'];
  if (typeof idempotencyKey === 'string') headers['Idempotency-Key'] = idempotencyKey;
  let account: StripeAccount | undefined;
  try {
    account = authenticate(req, context);
    const body = method === 'POST' ? await readBody(req) : url.search.slice(1);
    if (method === 'POST' && body && (req.headers['content-type'] ?? '').includes('json')) {
      throw invalid('Invalid request (check that your POST content type is application/x-www-form-urlencoded): the Stripe API takes form-encoded bodies, not JSON.');
    }
    const faultStatus = await takeFault(account, stopping);
    if (faultStatus) {
      throw new StripeError(faultStatus, 'api_error', `Injected fault: this call was set to fail with ${faultStatus} by POST /_control/faults.`);
    }
    const fingerprint = `${method} ${url.pathname} ${body}`;
    const replay = method === 'POST' && typeof idempotencyKey === 'string' ? account.data.idempotency.get(idempotencyKey) : undefined;
    if (replay) {
      if (replay.fingerprint !== fingerprint) {
        throw new StripeError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${String(idempotencyKey)}' if you meant to execute a different request.`,
        );
      }
      sendJson(res, replay.status, replay.body, { ...headers, 'Idempotent-Replayed': 'true' });
      return;
    }
    const route = ROUTES.map(([routeMethod, pattern, handler]) => ({ routeMethod, handler, ids: matchPath(pattern, url.pathname) })).find(
      (candidate) => candidate.ids && candidate.routeMethod === method,
    );
    if (!route?.ids) {
      throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}). The local test provider implements only part of Stripe's API; see ${GUIDE}.`);
    }
    const params = new Params(parseFormParams(body), 'brackets');
    const expand = params.strings('expand');
    checkExpandPaths(expand);
    const request: RequestRef = { id: requestId, idempotency_key: typeof idempotencyKey === 'string' ? idempotencyKey : null };
    const result = copy(route.handler({ context, account, params, ids: route.ids, request }));
    for (const path of expand) expandPath(account, result, path.split('.'));
    if (method === 'POST' && typeof idempotencyKey === 'string') account.data.idempotency.set(idempotencyKey, { fingerprint, status: 200, body: result });
    sendJson(res, 200, result, headers);
    context.log(`stripe ${method} ${url.pathname} 200 (${maskKey(account.secretKey)})`);
  } catch (error) {
    if (stopping.aborted) return;
    const stripeError = toStripeError(error, context);
    sendJson(res, stripeError.status, stripeError, headers);
    context.log(`stripe ${method} ${url.pathname} ${stripeError.status}: ${stripeError.message}${account ? ` (${maskKey(account.secretKey)})` : ''}`);
  }
}

function toStripeError(error: unknown, context: ProviderContext): StripeError {
  if (error instanceof StripeError) return error;
  if (error instanceof ParamError) return fromParamError(error);
  if (error instanceof TransitionError) return invalid(error.message);
  if (error instanceof BodyTooLargeError) return new StripeError(413, 'invalid_request_error', error.message);
  context.log(`stripe: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new StripeError(500, 'api_error', 'The local test provider failed to handle this request; its log has the details.');
}
