import Stripe from 'stripe';
import { introductoryCharge } from '../../src/paywall/offers.ts';
import { chargeOf, type Offer, type Plan, type PromoCode } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { PAGES } from '../../src/paywall/contract.ts';
import { attributionFrom } from '../analytics/events.ts';
import {
  OfferRefusedError,
  PaymentsConfigError,
  ProviderNotFoundError,
  ProviderUnavailableError,
  providerId,
  WebhookSignatureError,
  type CheckoutRequest,
  type CheckoutState,
  type PaymentProvider,
  type Refund,
  type StartedCheckout,
  type SubscriptionState,
  type SubscriptionStatus,
  type WebhookEvent,
} from './provider.ts';

/**
 * Stripe, through the official `stripe` package's Workers build: Checkout in subscription mode,
 * the Customer Portal for billing, signed webhooks. STRIPE_API_URL points it at another server
 * that speaks Stripe's API (the local test-mode provider); unset, it talks to Stripe.
 */
export interface StripeEnv {
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_URL?: string;
}

/** Stripe's own tolerance for a webhook's timestamp: older deliveries are replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Enough for a slow answer; short enough that a reader waiting on a checkout gets an answer. */
const TIMEOUT_MS = 10_000;

function client(env: StripeEnv): Stripe {
  const key = env.STRIPE_SECRET_KEY?.trim();
  if (!key) throw new PaymentsConfigError('STRIPE_SECRET_KEY is not set; see .dev.vars.example');
  const api = env.STRIPE_API_URL?.trim() ? new URL(env.STRIPE_API_URL) : undefined;
  return new Stripe(key, {
    httpClient: Stripe.createFetchHttpClient(),
    timeout: TIMEOUT_MS,
    maxNetworkRetries: 1,
    ...(api ? { host: api.hostname, port: api.port || (api.protocol === 'https:' ? 443 : 80), protocol: api.protocol === 'https:' ? 'https' : 'http' } : {}),
  });
}

/**
 * Stripe's errors as the product's: an object it does not have is not found, its own mistakes are
 * configuration, the rest is "try again".
 */
async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const { type, statusCode, message } = error as { type?: string; statusCode?: number; message?: string };
    if (type === 'StripeAuthenticationError' || type === 'StripePermissionError') {
      throw new PaymentsConfigError(`Stripe refused our key while trying to ${what}: ${message}`);
    }
    if (type === 'StripeInvalidRequestError' && statusCode === 404) {
      throw new ProviderNotFoundError(`Stripe could not ${what}: ${message}`);
    }
    if (type === 'StripeInvalidRequestError') {
      throw new PaymentsConfigError(`Stripe refused to ${what}: ${message}`);
    }
    throw new ProviderUnavailableError(`Stripe could not ${what}: ${message ?? String(error)}`);
  }
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Stripe bills at most yearly intervals; whole years read better than 24 months on its pages. */
function recurringOf(plan: Plan): { interval: 'month' | 'year'; interval_count: number } {
  return plan.months % 12 === 0 ? { interval: 'year', interval_count: plan.months / 12 } : { interval: 'month', interval_count: plan.months };
}

function monthsOf(recurring: Stripe.Price.Recurring | null): number | undefined {
  if (!recurring) return undefined;
  if (recurring.interval === 'month') return recurring.interval_count;
  if (recurring.interval === 'year') return recurring.interval_count * 12;
  return undefined;
}

/** A configured price must charge exactly what the plan card shows, as often as it says. */
export function priceProblem(price: Pick<Stripe.Price, 'unit_amount' | 'currency' | 'recurring' | 'active'>, plan: Plan): string | undefined {
  const expected = chargeOf(plan);
  if (!price.active) return 'is archived';
  if (price.currency.toUpperCase() !== settings.currency) return `is in ${price.currency.toUpperCase()}, not ${settings.currency}`;
  if (price.unit_amount !== expected) return `charges ${price.unit_amount} instead of ${expected} (minor units) that the card shows`;
  if (monthsOf(price.recurring) !== plan.months) return `renews every ${monthsOf(price.recurring) ?? '?'} months instead of ${plan.months}`;
  return undefined;
}

/** What a coupon must take off for an offer's introductory price, and for how long; none for a trial alone. */
export function couponTerms(offer: Offer, plan: Plan): { amount_off: number; currency: string; duration: 'once' | 'repeating'; duration_in_months: number | null } | undefined {
  const charge = introductoryCharge(offer);
  if (charge === undefined || offer.periods === undefined) return undefined;
  const amount_off = chargeOf(plan) - charge;
  const currency = settings.currency.toLowerCase();
  // `once` would be spent on a trial's empty first invoice; months from the purchase cover the
  // trial and the introductory periods after it (the build keeps a trial shorter than a period).
  if (offer.periods === 1 && offer.trialDays === undefined) return { amount_off, currency, duration: 'once', duration_in_months: null };
  return { amount_off, currency, duration: 'repeating', duration_in_months: offer.periods * plan.months };
}

/** A coupon must take off exactly what the offer says, for as long. */
export function couponProblem(coupon: Pick<Stripe.Coupon, 'amount_off' | 'percent_off' | 'currency' | 'duration' | 'duration_in_months' | 'valid'>, terms: NonNullable<ReturnType<typeof couponTerms>>): string | undefined {
  if (!coupon.valid) return 'is no longer valid';
  if (coupon.percent_off !== null || coupon.amount_off !== terms.amount_off) return `takes off ${coupon.amount_off ?? `${coupon.percent_off}%`} instead of ${terms.amount_off} (minor units)`;
  if (coupon.currency !== terms.currency) return `is in ${coupon.currency?.toUpperCase() ?? 'no currency'}, not ${terms.currency.toUpperCase()}`;
  if (coupon.duration !== terms.duration || (coupon.duration_in_months ?? null) !== terms.duration_in_months) {
    return `applies ${coupon.duration}${coupon.duration_in_months ? ` for ${coupon.duration_in_months} months` : ''} instead of ${terms.duration}${terms.duration_in_months ? ` for ${terms.duration_in_months} months` : ''}`;
  }
  return undefined;
}

/** Stripe's statuses as the product's. `unpaid` means retries are exhausted: no access. */
export function statusOf(status: Stripe.Subscription.Status): SubscriptionStatus {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'active';
    case 'past_due':
      return 'past_due';
    case 'incomplete':
      return 'incomplete';
    default:
      return 'ended';
  }
}

export function stripeProvider(env: StripeEnv): PaymentProvider {
  const stripe = client(env);
  const verifiedPrices = new Map<string, Promise<void>>();

  async function checkedPrice(plan: Plan, priceId: string): Promise<void> {
    const price = await call('read the configured price', () => stripe.prices.retrieve(priceId)).catch((error: unknown) => {
      if (!(error instanceof ProviderNotFoundError)) throw error;
      throw new PaymentsConfigError(`content/plans.json: plan "${plan.id}" uses Stripe price ${priceId}, which this Stripe account does not have. Fix the id in the file.`);
    });
    const problem = priceProblem(price, plan);
    if (problem) {
      throw new PaymentsConfigError(`content/plans.json: plan "${plan.id}" uses Stripe price ${priceId}, which ${problem}. Fix the price in Stripe or in the file.`);
    }
  }

  /** The line item: the configured price, checked once per isolate, or one described from the card. */
  async function lineItem(plan: Plan): Promise<Stripe.Checkout.SessionCreateParams.LineItem> {
    const priceId = plan.prices?.stripe;
    if (!priceId) {
      return {
        quantity: 1,
        price_data: {
          currency: settings.currency.toLowerCase(),
          unit_amount: chargeOf(plan),
          recurring: recurringOf(plan),
          product_data: { name: plan.name },
        },
      };
    }
    let check = verifiedPrices.get(priceId);
    if (!check) {
      check = checkedPrice(plan, priceId);
      check.catch(() => verifiedPrices.delete(priceId));
      verifiedPrices.set(priceId, check);
    }
    await check;
    return { quantity: 1, price: priceId };
  }

  const verifiedCoupons = new Map<string, Promise<string>>();

  /**
   * The coupon for an offer's introductory price: the one named in plans.json, or one made from
   * the file (its id says its terms, so changed terms make a new one). Checked once per isolate.
   */
  function couponFor(offer: Offer, plan: Plan): Promise<string> | undefined {
    const terms = couponTerms(offer, plan);
    if (!terms) return undefined;
    const configured = offer.providers?.stripe;
    const id = configured ?? `presswall-${offer.id}-${terms.amount_off}-${terms.duration}${terms.duration_in_months ?? ''}`;
    let check = verifiedCoupons.get(id);
    if (!check) {
      check = (async () => {
        const coupon = await call('read the offer\'s coupon', () => stripe.coupons.retrieve(id)).catch(async (error: unknown) => {
          if (!(error instanceof ProviderNotFoundError)) throw error;
          if (configured) throw new PaymentsConfigError(`content/plans.json: offer "${offer.id}" uses Stripe coupon ${id}, which this Stripe account does not have. Fix the id in the file.`);
          return call('make the offer\'s coupon', () => stripe.coupons.create({ id, name: `${plan.name}: ${offer.id}`.slice(0, 40), ...terms, ...(terms.duration_in_months ? {} : { duration_in_months: undefined }) } as Stripe.CouponCreateParams));
        });
        const problem = couponProblem(coupon, terms);
        if (problem) throw new PaymentsConfigError(`content/plans.json: offer "${offer.id}" uses Stripe coupon ${id}, which ${problem}. Fix the coupon in Stripe or the offer in the file.`);
        return id;
      })();
      check.catch(() => verifiedCoupons.delete(id));
      verifiedCoupons.set(id, check);
    }
    return check;
  }

  /**
   * The Stripe promotion code for one of the site's codes: found by its text (Stripe ignores case)
   * or made from plans.json with its expiry and limit. Never cached: its redemptions change.
   */
  async function promotionCodeFor(code: PromoCode, couponId: string): Promise<string> {
    const found = await call('find the promotion code', () => stripe.promotionCodes.list({ code: code.code, active: true, limit: 1 }));
    const existing = found.data[0];
    const promotion =
      existing ??
      (await call('make the promotion code', () =>
        stripe.promotionCodes.create({
          promotion: { type: 'coupon', coupon: couponId },
          code: code.code,
          expires_at: Math.floor(Date.parse(code.expires) / 1000),
          max_redemptions: code.maxRedemptions,
        }),
      ));
    const gives = typeof promotion.promotion.coupon === 'string' ? promotion.promotion.coupon : promotion.promotion.coupon?.id;
    if (gives !== couponId) {
      throw new PaymentsConfigError(`content/plans.json: code ${code.code} is, at Stripe, a promotion code for coupon ${gives}, not ${couponId} of offer "${code.offer}". Archive it in Stripe or rename the code.`);
    }
    if (promotion.max_redemptions !== null && promotion.times_redeemed >= promotion.max_redemptions) {
      throw new OfferRefusedError(`The code ${code.code} has been used as many times as it allows. Choose a plan without it.`);
    }
    if (promotion.expires_at !== null && promotion.expires_at * 1000 <= Date.now()) throw new OfferRefusedError(`The code ${code.code} has expired. Choose a plan without it.`);
    return promotion.id;
  }

  /** What Stripe will charge next: its preview of the renewal, for a subscription that renews. */
  async function nextCharge(subscription: Stripe.Subscription): Promise<SubscriptionState['nextCharge']> {
    const item = subscription.items.data[0];
    if (!item || subscription.cancel_at_period_end || !['active', 'trialing'].includes(subscription.status)) return null;
    const preview = await call('preview the next invoice', () => stripe.invoices.createPreview({ subscription: subscription.id }));
    return { at: item.current_period_end, amount: preview.amount_due, currency: preview.currency.toUpperCase() };
  }

  async function subscriptionState(id: string): Promise<SubscriptionState> {
    const checked = providerId(id, 'sub_');
    const subscription = await call('read a subscription', () => stripe.subscriptions.retrieve(checked, { expand: ['latest_invoice'] }));
    const item = subscription.items.data[0];
    const status = statusOf(subscription.status);
    const invoice = typeof subscription.latest_invoice === 'object' ? subscription.latest_invoice : null;
    // A trial's first invoice is paid with nothing: no payment to show.
    const paid = invoice?.status === 'paid' && invoice.status_transitions.paid_at && invoice.amount_paid > 0 ? invoice : null;
    return {
      id: subscription.id,
      customerId: idOf(subscription.customer),
      plan: subscription.metadata['plan'],
      status,
      currentPeriodEnd: status === 'ended' ? (subscription.ended_at ?? item?.current_period_end ?? 0) : (item?.current_period_end ?? 0),
      // On a failed renewal Stripe has already moved the period on: the unpaid one began then.
      pastDueSince: status === 'past_due' ? (item?.current_period_start ?? null) : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      lastPayment: paid ? { at: paid.status_transitions.paid_at!, amount: paid.amount_paid, currency: paid.currency.toUpperCase() } : null,
      nextCharge: await nextCharge(subscription),
      attribution: attributionFrom(subscription.metadata['story'], subscription.metadata['story_via']),
    };
  }

  return {
    name: 'stripe',

    async startCheckout({ plan, origin, cancelPath, account, attribution, offer, code }: CheckoutRequest): Promise<StartedCheckout> {
      const customer = account?.customerId ? { customer: account.customerId } : account ? { customer_email: account.email } : {};
      const metadata = { plan: plan.id, ...(attribution ? { story: attribution.story, story_via: attribution.via } : {}), ...(offer ? { offer: offer.id } : {}) };
      const coupon = offer ? await couponFor(offer, plan) : undefined;
      const discount = coupon ? (code ? { promotion_code: await promotionCodeFor(code, coupon) } : { coupon }) : undefined;
      const session = await call('start a checkout', async () =>
        stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: [await lineItem(plan)],
          ...customer,
          ...(account ? { client_reference_id: account.id } : {}),
          metadata,
          ...(discount ? { discounts: [discount] } : {}),
          subscription_data: { metadata, ...(offer?.trialDays ? { trial_period_days: offer.trialDays } : {}) },
          success_url: `${origin}${PAGES.checkoutReturn}?checkout={CHECKOUT_SESSION_ID}`,
          cancel_url: `${origin}${cancelPath}`,
        }),
      );
      if (!session.url) throw new ProviderUnavailableError('Stripe started a checkout without a page to pay on');
      return { id: session.id, url: session.url, returns: 'redirect' };
    },

    async readCheckout(id: string): Promise<CheckoutState> {
      const checked = providerId(id, 'cs_');
      const session = await call('read a checkout', () => stripe.checkout.sessions.retrieve(checked));
      return {
        id: session.id,
        paid: session.status === 'complete' && session.payment_status === 'paid',
        closed: session.status === 'expired',
        email: session.customer_details?.email ?? session.customer_email ?? null,
        customerId: idOf(session.customer),
        subscriptionId: idOf(session.subscription),
      };
    },

    readSubscription: subscriptionState,

    async customerEmail(customerId: string): Promise<string | null> {
      const customer = await call('read a customer', () => stripe.customers.retrieve(customerId));
      return 'deleted' in customer && customer.deleted ? null : (customer.email ?? null);
    },

    async billingPage(customerId: string, returnUrl: string): Promise<string> {
      const session = await call('open the billing page', () => stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }));
      return session.url;
    },

    async setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<void> {
      await call('change the cancellation', () => stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel }));
    },

    async cancelAndRefund(subscriptionId: string): Promise<Refund> {
      const subscription = await call('read a subscription', () =>
        stripe.subscriptions.retrieve(subscriptionId, { expand: ['latest_invoice.payments'] }),
      );
      const invoice = typeof subscription.latest_invoice === 'object' ? subscription.latest_invoice : null;
      let refunded: Refund = { amount: 0, currency: (invoice?.currency ?? settings.currency).toUpperCase() };
      for (const payment of invoice?.payments?.data ?? []) {
        const intent = idOf(payment.payment.payment_intent as string | { id: string } | undefined);
        if (!intent || payment.status !== 'paid') continue;
        // The key makes a retried refund the same refund, never a second one.
        const refund = await call('refund a payment', () =>
          stripe.refunds.create({ payment_intent: intent, reason: 'duplicate' }, { idempotencyKey: `duplicate-subscription-${subscriptionId}-${intent}` }),
        );
        refunded = { amount: refunded.amount + refund.amount, currency: refund.currency.toUpperCase() };
      }
      if (statusOf(subscription.status) !== 'ended') {
        await call('cancel a subscription', () => stripe.subscriptions.cancel(subscriptionId));
      }
      return refunded;
    },

    async verifyWebhook(body: string, headers: Headers, now: Date): Promise<WebhookEvent> {
      const secret = env.STRIPE_WEBHOOK_SECRET?.trim();
      if (!secret) throw new PaymentsConfigError('STRIPE_WEBHOOK_SECRET is not set; see .dev.vars.example');
      const signature = headers.get('Stripe-Signature');
      if (!signature) throw new WebhookSignatureError('The request has no Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = await stripe.webhooks.constructEventAsync(
          body,
          signature,
          secret,
          WEBHOOK_TOLERANCE_SECONDS,
          Stripe.createSubtleCryptoProvider(),
          // Milliseconds: the age Stripe checks against the tolerance is counted from here.
          now.getTime(),
        );
      } catch (error) {
        throw new WebhookSignatureError(`The Stripe signature does not verify: ${(error as Error).message}`);
      }
      // Signed is not the same as shaped as Stripe's types say; nothing is read before it is checked.
      const { id, type } = (event ?? {}) as Partial<Stripe.Event>;
      if (typeof id !== 'string' || !id || typeof type !== 'string') throw new WebhookSignatureError('The signed body is not a Stripe event: it has no id or type');
      return { id, type, ...subjectOf(event) };
    },
  };
}

/** The events the product acts on, and what each one's data.object is. */
const SUBJECTS = new Map<string, 'checkout' | 'subscription' | 'invoice'>([
  ['checkout.session.completed', 'checkout'],
  ['checkout.session.async_payment_succeeded', 'checkout'],
  ['customer.subscription.created', 'subscription'],
  ['customer.subscription.updated', 'subscription'],
  ['customer.subscription.deleted', 'subscription'],
  ['customer.subscription.paused', 'subscription'],
  ['customer.subscription.resumed', 'subscription'],
  ['invoice.paid', 'invoice'],
  ['invoice.payment_failed', 'invoice'],
  ['invoice.payment_succeeded', 'invoice'],
]);

/** Which checkout or subscription an event is about, for the events the product acts on. */
function subjectOf(event: Stripe.Event): Pick<WebhookEvent, 'checkoutId' | 'subscriptionId' | 'unusable'> {
  const kind = SUBJECTS.get(event.type);
  if (!kind) return {};
  const object = (event as { data?: { object?: unknown } }).data?.object as
    | { id?: unknown; parent?: { subscription_details?: { subscription?: unknown } } }
    | null
    | undefined;
  if (!object || typeof object !== 'object') return { unusable: 'it has no data.object' };
  if (kind === 'invoice') {
    const subscription = object.parent?.subscription_details?.subscription;
    // An invoice outside a subscription is none of ours.
    if (subscription === undefined || subscription === null) return {};
    const id = typeof subscription === 'string' ? subscription : (subscription as { id?: unknown }).id;
    return typeof id === 'string' ? { subscriptionId: id } : { unusable: 'its invoice names a subscription without an id' };
  }
  if (typeof object.id !== 'string') return { unusable: 'its data.object has no id' };
  return kind === 'checkout' ? { checkoutId: object.id } : { subscriptionId: object.id };
}
