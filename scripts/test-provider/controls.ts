// The test clock and other controls under /_control: JSON in and out for tests, and the same
// endpoints take the control page's form posts (answered with a 303 back to the page).
// Every control names its account with ?key=…, a `key` field, or the API's own Authorization header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CardInput } from './cards.ts';
import { PAYING_CARD } from './cards.ts';
import { renderControlPage } from './control-page.ts';
import { BodyTooLargeError, credentialsOf, matchPath, readBody, redirect, sendHtml, sendJson } from './http.ts';
import { nowSeconds } from './billing-cycle.ts';
import { newId } from './ids.ts';
import { TransitionError } from './outcomes.ts';
import { ParamError, Params, parseFormParams } from './params.ts';
import { cancel as cancelRazorpay, paySubscription, renew as renewRazorpay } from './razorpay-billing.ts';
import { accountKey, DELIVERY_MODES, isRazorpayTestKey, isStripeTestKey } from './store.ts';
import type { Account, RazorpayAccount, StripeAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import { cancelNow as cancelStripe, payCheckout, renew as renewStripe } from './stripe-billing.ts';
import { AUTOMATIC } from './stripe-objects.ts';
import type { Subscription } from './stripe-objects.ts';
import type { SubscriptionRecord } from './razorpay-entities.ts';

class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface ControlCall {
  context: ProviderContext;
  account: Account;
  params: Params;
  ids: Record<string, string>;
}

type Handler = (call: ControlCall) => { status?: number; body: unknown };

/** A public summary of an account, as GET/PUT /_control/accounts return it. */
function describeAccount(account: Account): Record<string, unknown> {
  return {
    provider: account.provider,
    key: accountKey(account),
    webhookUrl: account.webhookUrl ?? null,
    webhookSecret: account.webhookSecret,
    deliveryMode: account.deliveryMode,
    fault: account.fault ?? null,
    outbox: account.outbox.length,
  };
}

/** Ids and types of the events an action just recorded. */
function eventsSince(account: Account, count: number): { id: string; type: string }[] {
  return account.provider === 'stripe'
    ? account.data.events.slice(count).map((event) => ({ id: event.id, type: event.type }))
    : account.data.events.slice(count).map(({ id, event }) => ({ id, type: event.event }));
}

function stripeSubscription(account: StripeAccount, id: string): Subscription {
  const subscription = account.data.subscriptions.get(id);
  if (!subscription) throw new ControlError(404, `No subscription ${id} in account ${accountKey(account)}.`);
  return subscription;
}

function razorpaySubscription(account: RazorpayAccount, id: string): SubscriptionRecord {
  const record = account.data.subscriptions.get(id);
  if (!record) throw new ControlError(404, `No subscription ${id} in account ${accountKey(account)}.`);
  return record;
}

/** Runs an action and answers with the subscription it changed and the events it sent. */
function withEvents(account: Account, action: () => unknown): { body: unknown } {
  const before = account.data.events.length;
  const subscription = action();
  return { body: { subscription: structuredClone(subscription), events: eventsSince(account, before) } };
}

/** A card that pays, in the form's terms, for tests that do not care which card is used. */
function cardFrom(params: Params): CardInput {
  const card = params.object('card');
  const nextYear = (new Date().getUTCFullYear() + 1) % 100;
  return {
    name: card?.string('name') ?? 'Test Reader',
    number: card?.string('number') ?? PAYING_CARD,
    expiry: card?.string('expiry') ?? `12 / ${String(nextYear).padStart(2, '0')}`,
    cvc: card?.string('cvc') ?? '123',
  };
}

const ROUTES: [method: string, pattern: string, handler: Handler][] = [
  ['GET', '/_control/accounts', ({ account }) => ({ body: describeAccount(account) })],
  [
    'PUT',
    '/_control/accounts',
    ({ account, params }) => {
      const provider = params.oneOf('provider', ['stripe', 'razorpay'] as const);
      const keySecret = account.provider === 'razorpay' ? params.string('keySecret') : undefined;
      const webhookSecret = params.string('webhookSecret', { max: 200 });
      const clearUrl = params.has('webhookUrl') && (params.string('webhookUrl') ?? '') === '';
      const webhookUrl = clearUrl ? undefined : params.string('webhookUrl');
      params.rejectUnknown();
      if (provider && provider !== account.provider) throw new ControlError(400, `The key ${accountKey(account)} is a ${account.provider} key, not a ${provider} one.`);
      if (webhookUrl !== undefined && !(URL.canParse(webhookUrl) && ['http:', 'https:'].includes(new URL(webhookUrl).protocol))) {
        throw new ControlError(400, `webhookUrl must be an absolute http(s) URL, not "${webhookUrl}".`);
      }
      if (account.provider === 'razorpay' && keySecret) account.keySecret = keySecret;
      if (webhookSecret) account.webhookSecret = webhookSecret;
      if (clearUrl) account.webhookUrl = undefined;
      else if (webhookUrl !== undefined) account.webhookUrl = webhookUrl;
      return { body: describeAccount(account) };
    },
  ],
  [
    'POST',
    '/_control/subscriptions/:id/renew',
    ({ context, account, params, ids }) => {
      params.rejectUnknown();
      const id = ids['id'] ?? '';
      return withEvents(account, () => {
        if (account.provider === 'stripe') {
          const subscription = stripeSubscription(account, id);
          renewStripe(context, account, subscription);
          return subscription;
        }
        const record = razorpaySubscription(account, id);
        renewRazorpay(context, account, record);
        return record.subscription;
      });
    },
  ],
  [
    'POST',
    '/_control/subscriptions/:id/fail-next-renewal',
    ({ account, params, ids }) => {
      const fail = params.boolean('fail') ?? true;
      params.rejectUnknown();
      const id = ids['id'] ?? '';
      if (account.provider === 'stripe') stripeSubscription(account, id);
      else razorpaySubscription(account, id);
      if (fail) account.failingRenewals.add(id);
      else account.failingRenewals.delete(id);
      return { body: { subscription: id, failNextRenewal: fail } };
    },
  ],
  [
    'POST',
    '/_control/subscriptions/:id/cancel',
    ({ context, account, params, ids }) => {
      params.rejectUnknown();
      const id = ids['id'] ?? '';
      return withEvents(account, () =>
        account.provider === 'stripe' ? cancelStripe(context, account, stripeSubscription(account, id), AUTOMATIC) : cancelRazorpay(context, account, razorpaySubscription(account, id), false),
      );
    },
  ],
  [
    'POST',
    '/_control/offers',
    ({ account, params }) => {
      // Razorpay's offers are made in its dashboard, never through its API: this is that dashboard.
      const id = params.string('id') ?? `offer_${newId('', 14)}`;
      const name = params.string('name') ?? 'Offer';
      const discountAmount = params.integer('discountAmount', { required: true, min: 1 });
      const paymentCount = params.integer('paymentCount', { min: 1 }) ?? 1;
      params.rejectUnknown();
      if (account.provider !== 'razorpay') throw new ControlError(400, 'Offers made here are Razorpay offers; Stripe makes coupons through its API (POST /v1/coupons).');
      if (!/^offer_[A-Za-z0-9]+$/.test(id)) throw new ControlError(400, `A Razorpay offer id looks like offer_Kx…, not "${id}".`);
      const offer = { id, entity: 'offer' as const, name, discount_amount: discountAmount, payment_count: paymentCount, created_at: nowSeconds() };
      account.data.offers.set(id, offer);
      return { body: offer };
    },
  ],
  [
    'POST',
    '/_control/checkouts/:id/pay',
    ({ context, account, params, ids }) => {
      const email = params.string('email');
      const contact = params.string('contact');
      const promotionCode = params.string('promotionCode');
      const card = cardFrom(params);
      params.rejectUnknown();
      const id = ids['id'] ?? '';
      const before = account.data.events.length;
      if (account.provider === 'stripe') {
        const record = account.data.checkoutSessions.get(id);
        if (!record) throw new ControlError(404, `No Checkout Session ${id} in account ${accountKey(account)}.`);
        const result = payCheckout(context, account, record, { email, card, promotionCode });
        if (!result.ok) return { status: result.status, body: { paid: false, error: { message: result.message, field: result.field ?? null } } };
        return { body: { paid: true, redirectUrl: result.redirectUrl ?? null, session: structuredClone(result.session), subscription: structuredClone(result.subscription), events: eventsSince(account, before) } };
      }
      const record = razorpaySubscription(account, id);
      const result = paySubscription(context, account, record, { email, contact, card });
      if (!result.ok) return { status: result.status, body: { paid: false, error: { message: result.message, field: result.field ?? null } } };
      return { body: { paid: true, subscription: structuredClone(result.subscription), events: eventsSince(account, before) } };
    },
  ],
  [
    'POST',
    '/_control/faults',
    ({ account, params }) => {
      const status = params.integer('status', { min: 500, max: 599 });
      const delayMs = params.integer('delayMs', { min: 1, max: 600_000 });
      const count = params.integer('count', { min: 1, max: 1_000 }) ?? 1;
      params.rejectUnknown();
      if (status === undefined && delayMs === undefined) throw new ControlError(400, 'Give a 5xx status, a delayMs, or both, e.g. { "status": 503, "count": 1 }.');
      account.fault = { status, delayMs, remaining: count };
      return { body: { fault: account.fault } };
    },
  ],
  [
    'DELETE',
    '/_control/faults',
    ({ account, params }) => {
      params.rejectUnknown();
      account.fault = undefined;
      return { body: { fault: null } };
    },
  ],
  [
    'POST',
    '/_control/delivery',
    ({ account, params }) => {
      const mode = params.oneOf('mode', DELIVERY_MODES, { required: true });
      params.rejectUnknown();
      account.deliveryMode = mode;
      return { body: { mode } };
    },
  ],
  [
    'POST',
    '/_control/outbox/drain',
    ({ context, account, params }) => {
      params.rejectUnknown();
      return { body: context.webhooks.drain(account) };
    },
  ],
  [
    'GET',
    '/_control/deliveries',
    ({ account, params }) => {
      params.rejectUnknown();
      return {
        body: account.deliveries.map(({ eventId, type, url, state, attempts }) => ({
          eventId,
          type,
          url: url ?? null,
          state,
          attempts: attempts.map(({ at, status, error, durationMs }) => ({ at, status: status ?? null, error: error ?? null, durationMs })),
        })),
      };
    },
  ],
];

/** The account a control is about, made on first use like any test key. */
function accountFor(context: ProviderContext, key: string | undefined): Account {
  if (!key) throw new ControlError(400, 'Name the account: add ?key=sk_test_… (or rzp_test_…), a "key" field, or the API Authorization header.');
  if (isStripeTestKey(key)) return context.accounts.stripe(key);
  if (isRazorpayTestKey(key)) return context.accounts.razorpay(key);
  throw new ControlError(400, `"${key.slice(0, 12)}…" is not a test key. Controls take sk_test_… or rzp_test_… keys.`);
}

function keyFromAuthorization(req: IncomingMessage): string | undefined {
  const credentials = credentialsOf(req);
  return credentials?.scheme === 'bearer' ? credentials.token : credentials?.user;
}

function parseBody(req: IncomingMessage, body: string): { values: unknown; fromForm: boolean } {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return { values: parseFormParams(body), fromForm: true };
  if (!body.trim()) return { values: undefined, fromForm: false };
  try {
    return { values: JSON.parse(body) as unknown, fromForm: false };
  } catch {
    throw new ControlError(400, 'The body is not valid JSON.');
  }
}

/** Answers /_control and /_control/…; never throws. */
export async function handleControl(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && (url.pathname === '/_control' || url.pathname === '/_control/')) {
    sendHtml(res, 200, renderControlPage(context, url.searchParams.get('message') ?? undefined));
    return;
  }
  let fromForm = false;
  try {
    const parsed = method === 'GET' ? { values: undefined, fromForm: false } : parseBody(req, await readBody(req));
    fromForm = parsed.fromForm;
    const route = ROUTES.map(([routeMethod, pattern, handler]) => ({ routeMethod, handler, ids: matchPath(pattern, url.pathname) })).find(
      (candidate) => candidate.ids && candidate.routeMethod === method,
    );
    if (!route?.ids) throw new ControlError(404, `No control ${method} ${url.pathname}. The controls are listed in scripts/test-provider/README.md.`);
    const params = new Params(parsed.values, 'dots');
    const key = url.searchParams.get('key') ?? params.string('key') ?? params.string('secretKey') ?? params.string('keyId') ?? keyFromAuthorization(req);
    const account = accountFor(context, key);
    const { status = 200, body } = route.handler({ context, account, params, ids: route.ids });
    if (fromForm) redirect(res, `/_control/?message=${encodeURIComponent(`Done: ${method} ${url.pathname}`)}`);
    else sendJson(res, status, body);
  } catch (error) {
    const controlError =
      error instanceof ControlError ? error
      : error instanceof ParamError ? new ControlError(400, error.message)
      : error instanceof TransitionError ? new ControlError(409, error.message)
      : error instanceof BodyTooLargeError ? new ControlError(413, error.message)
      : undefined;
    if (!controlError) {
      context.log(`control: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    const { status, message } = controlError ?? { status: 500, message: 'The control failed; the provider log has the details.' };
    if (fromForm) redirect(res, `/_control/?message=${encodeURIComponent(message)}`);
    else sendJson(res, status, { error: { message } });
  }
}
