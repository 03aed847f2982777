// Razorpay's HTTP API, as far as the product uses it: HTTP Basic auth with the key id and secret,
// JSON bodies (form bodies work too), JSON answers and Razorpay's error format. Handlers read and
// check every parameter before they change anything, so a refused request leaves no trace.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nowSeconds } from './billing-cycle.ts';
import { takeFault } from './faults.ts';
import { BodyTooLargeError, credentialsOf, matchPath, readBody, sendJson } from './http.ts';
import { TransitionError } from './outcomes.ts';
import { ParamError, Params, parseFormParams } from './params.ts';
import { cancel, expireIfDue } from './razorpay-billing.ts';
import { collection, newCustomer, newPlan, newRefund, newSubscription, PLAN_PERIODS } from './razorpay-entities.ts';
import type { Collection, Notes, SubscriptionRecord } from './razorpay-entities.ts';
import { isRazorpayTestKey, maskKey, newestFirst } from './store.ts';
import type { RazorpayAccount } from './store.ts';
import type { ProviderContext } from './context.ts';

const GUIDE = 'scripts/test-provider/README.md';

class RazorpayError extends Error {
  readonly status: number;
  readonly code: 'BAD_REQUEST_ERROR' | 'SERVER_ERROR';
  readonly field: string | undefined;
  readonly reason: string;
  constructor(status: number, description: string, details: { field?: string; validation?: boolean } = {}) {
    super(description);
    this.status = status;
    this.code = status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST_ERROR';
    this.field = details.field;
    this.reason = details.validation ? 'input_validation_failed' : 'NA';
  }

  toJSON(): { error: Record<string, unknown> } {
    const validation = this.reason !== 'NA';
    return {
      error: {
        code: this.code,
        description: this.message,
        ...(this.field ? { field: this.field } : {}),
        source: validation ? 'business' : 'NA',
        step: validation ? 'payment_initiation' : 'NA',
        reason: this.reason,
        metadata: {},
      },
    };
  }
}

const badRequest = (description: string, field?: string): RazorpayError => new RazorpayError(400, description, { validation: true, ...(field ? { field } : {}) });

/** Razorpay answers 400 (not 404) for an id that does not exist. */
const noSuchId = (field = 'id'): RazorpayError => badRequest('The id provided does not exist', field);

function fromParamError(error: ParamError): RazorpayError {
  switch (error.problem) {
    case 'missing':
      return badRequest(`The ${error.path.replaceAll(/[._]/g, ' ')} field is required.`, error.path);
    case 'unknown':
      return badRequest(`${error.path} is/are not required and should not be sent (the local test provider implements only part of Razorpay's API; see ${GUIDE})`, error.path);
    case 'invalid':
      return badRequest(error.message, error.path);
  }
}

const NOTES_LIMITS = { maxKeys: 15, maxKeyLength: 256, maxValueLength: 256 };

function readNotes(params: Params): Notes {
  return params.record('notes', NOTES_LIMITS) ?? {};
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

interface RazorpayCall {
  context: ProviderContext;
  account: RazorpayAccount;
  params: Params;
  ids: Record<string, string>;
}

type Handler = (call: RazorpayCall) => unknown;

/** count (1–100, default 10) and skip, newest first, as Razorpay pages its collections. */
function page<T>(params: Params, newestFirst: T[]): Collection<T> {
  const count = params.integer('count', { min: 1, max: 100 }) ?? 10;
  const skip = params.integer('skip', { min: 0 }) ?? 0;
  params.rejectUnknown();
  return collection(newestFirst.slice(skip, skip + count));
}

function found<T>(call: RazorpayCall, objects: Map<string, T>): T {
  call.params.rejectUnknown();
  const object = objects.get(call.ids['id'] ?? '');
  if (!object) throw noSuchId();
  return object;
}

function subscriptionRecord(call: RazorpayCall): SubscriptionRecord {
  const record = call.account.data.subscriptions.get(call.ids['id'] ?? '');
  if (!record) throw noSuchId();
  expireIfDue(record);
  return record;
}

/** Most billing cycles Razorpay allows: 100 years of them. */
const MAX_CYCLES_IN_100_YEARS = { daily: 36_500, weekly: 5_200, monthly: 1_200, yearly: 100 } as const;

const ROUTES: [method: string, pattern: string, handler: Handler][] = [
  [
    'POST',
    '/v1/plans',
    ({ params, account }) => {
      const period = params.oneOf('period', PLAN_PERIODS, { required: true });
      const interval = params.integer('interval', { required: true, min: 1 });
      const item = params.object('item');
      const name = item?.string('name', { required: true, max: 256 });
      const amount = item?.integer('amount', { required: true, min: 100 });
      const currency = item?.string('currency', { required: true })?.toUpperCase();
      const description = item?.string('description', { max: 2048 }) ?? null;
      const notes = readNotes(params);
      params.rejectUnknown();
      if (!item || name === undefined || amount === undefined || currency === undefined) throw badRequest('The item field is required.', 'item');
      if (!CURRENCIES.has(currency)) throw badRequest('The currency is invalid.', 'item.currency');
      if (period === 'daily' && interval < 7) throw badRequest('The interval for a daily plan must be at least 7.', 'interval');
      const plan = newPlan({ period, interval, name, description, amount, currency, notes }, nowSeconds());
      account.data.plans.set(plan.id, plan);
      return plan;
    },
  ],
  ['GET', '/v1/plans', ({ params, account }) => page(params, newestFirst(account.data.plans.values()))],
  ['GET', '/v1/plans/:id', (call) => found(call, call.account.data.plans)],
  [
    'POST',
    '/v1/subscriptions',
    ({ params, account, context }) => {
      const planId = params.string('plan_id', { required: true });
      const totalCount = params.integer('total_count', { required: true, min: 1 });
      const quantity = params.integer('quantity', { min: 1 }) ?? 1;
      const customerNotify = params.boolean('customer_notify') ?? true;
      const customerId = params.string('customer_id');
      const notes = readNotes(params);
      const notifyInfo = params.object('notify_info');
      const notifyPhone = notifyInfo?.string('notify_phone', { max: 20 }) ?? null;
      const notifyEmail = notifyInfo?.string('notify_email', { max: 256 }) ?? null;
      const expireBy = params.integer('expire_by') ?? null;
      const startAt = params.integer('start_at') ?? null;
      const offerId = params.string('offer_id') ?? null;
      params.rejectUnknown();
      const plan = account.data.plans.get(planId);
      if (offerId !== null && !account.data.offers.has(offerId)) throw noSuchId('offer_id');
      if (!plan) throw noSuchId('plan_id');
      if (totalCount > MAX_CYCLES_IN_100_YEARS[plan.period] / plan.interval) throw badRequest('The total count exceeds the maximum of 100 years of billing cycles.', 'total_count');
      if (customerId !== undefined && !account.data.customers.has(customerId)) throw noSuchId('customer_id');
      const now = nowSeconds();
      if (expireBy !== null && expireBy <= now) throw badRequest('expire_by must be a time in the future.', 'expire_by');
      if (startAt !== null && startAt <= now) throw badRequest('start_at cannot be lesser than the current time.', 'start_at');
      const subscription = newSubscription({ plan, totalCount, quantity, customerId: customerId ?? null, customerNotify, notes, expireBy, startAt, offerId }, context.baseUrl, now);
      account.data.subscriptions.set(subscription.id, { subscription, cancelAtCycleEnd: false, notifyInfo: { notify_phone: notifyPhone, notify_email: notifyEmail }, card: undefined });
      context.accounts.ownPage(subscription.id, account);
      return subscription;
    },
  ],
  [
    'GET',
    '/v1/subscriptions',
    ({ params, account }) => {
      const planId = params.string('plan_id');
      const subscriptions = newestFirst(account.data.subscriptions.values())
        .map((record) => record.subscription)
        .filter((subscription) => planId === undefined || subscription.plan_id === planId);
      return page(params, subscriptions);
    },
  ],
  [
    'GET',
    '/v1/subscriptions/:id',
    (call) => {
      call.params.rejectUnknown();
      return subscriptionRecord(call).subscription;
    },
  ],
  [
    'POST',
    '/v1/subscriptions/:id/cancel',
    (call) => {
      const atCycleEnd = call.params.boolean('cancel_at_cycle_end') ?? false;
      call.params.rejectUnknown();
      return cancel(call.context, call.account, subscriptionRecord(call), atCycleEnd);
    },
  ],
  [
    'POST',
    '/v1/customers',
    ({ params, account }) => {
      const name = params.string('name', { max: 50 }) ?? null;
      const email = params.string('email', { max: 64 }) ?? null;
      const contact = params.string('contact', { max: 15 }) ?? null;
      const gstin = params.string('gstin', { max: 15 }) ?? null;
      const failExisting = params.boolean('fail_existing') ?? true;
      const notes = readNotes(params);
      params.rejectUnknown();
      const existing = [...account.data.customers.values()].find((customer) => customer.email === email && customer.contact === contact);
      if (existing) {
        if (failExisting) throw badRequest('Customer already exists for the merchant', 'email');
        return existing;
      }
      const customer = newCustomer({ name, email, contact, gstin, notes }, nowSeconds());
      account.data.customers.set(customer.id, customer);
      return customer;
    },
  ],
  ['GET', '/v1/customers/:id', (call) => found(call, call.account.data.customers)],
  [
    'GET',
    '/v1/invoices',
    ({ params, account }) => {
      const subscriptionId = params.string('subscription_id');
      const customerId = params.string('customer_id');
      const invoices = newestFirst(account.data.invoices.values()).filter(
        (invoice) => (subscriptionId === undefined || invoice.subscription_id === subscriptionId) && (customerId === undefined || invoice.customer_id === customerId),
      );
      return page(params, invoices);
    },
  ],
  ['GET', '/v1/invoices/:id', (call) => found(call, call.account.data.invoices)],
  ['GET', '/v1/payments/:id', (call) => found(call, call.account.data.payments)],
  [
    'POST',
    '/v1/payments/:id/refund',
    (call) => {
      const { params, account } = call;
      const amount = params.integer('amount', { min: 100 });
      const notes = readNotes(params);
      const receipt = params.string('receipt', { max: 40 }) ?? null;
      params.oneOf('speed', ['normal', 'optimum'] as const);
      params.rejectUnknown();
      const payment = account.data.payments.get(call.ids['id'] ?? '');
      if (!payment) throw noSuchId();
      if (payment.status !== 'captured') throw badRequest('The payment has not been captured, so it cannot be refunded.', 'id');
      const remaining = payment.amount - payment.amount_refunded;
      if (remaining <= 0) throw badRequest('The payment has been fully refunded already', 'id');
      if (amount !== undefined && amount > remaining) throw badRequest('The refund amount provided is greater than amount captured', 'amount');
      const refund = newRefund({ amount: amount ?? remaining, payment, notes, receipt }, nowSeconds());
      account.data.refunds.set(refund.id, refund);
      payment.amount_refunded += refund.amount;
      payment.refund_status = payment.amount_refunded === payment.amount ? 'full' : 'partial';
      return refund;
    },
  ],
  [
    'GET',
    '/v1/payments/:id/refunds',
    (call) => {
      if (!call.account.data.payments.has(call.ids['id'] ?? '')) throw noSuchId();
      return page(call.params, newestFirst(call.account.data.refunds.values()).filter((refund) => refund.payment_id === call.ids['id']));
    },
  ],
  ['GET', '/v1/refunds/:id', (call) => found(call, call.account.data.refunds)],
];

function authenticate(req: IncomingMessage, context: ProviderContext): RazorpayAccount {
  const credentials = credentialsOf(req);
  if (credentials?.scheme !== 'basic' || !credentials.user) {
    throw new RazorpayError(401, 'The api key provided is invalid: send your rzp_test_… key id and secret with HTTP Basic auth.');
  }
  const { user: keyId, password: keySecret } = credentials;
  if (keyId.startsWith('rzp_live_')) throw new RazorpayError(401, `This is a local test-mode provider; it refuses live keys such as ${maskKey(keyId)}. Use an rzp_test_… key.`);
  if (!isRazorpayTestKey(keyId)) throw new RazorpayError(401, 'The api key provided is invalid');
  if (!keySecret) throw new RazorpayError(401, 'The api key/secret provided is invalid: the key secret is missing.');
  const account = context.accounts.razorpay(keyId);
  // A key id seen for the first time adopts the secret it came with, as a fresh test account.
  account.keySecret ??= keySecret;
  if (account.keySecret !== keySecret) throw new RazorpayError(401, 'The api key/secret provided is invalid');
  return account;
}

function bodyParams(req: IncomingMessage, body: string): unknown {
  if (!body.trim()) return undefined;
  if (!(req.headers['content-type'] ?? '').includes('application/json')) return parseFormParams(body);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

/** Answers one Razorpay API request. Never throws: every failure becomes a Razorpay error. */
export async function handleRazorpayRequest(context: ProviderContext, req: IncomingMessage, res: ServerResponse, url: URL, stopping: AbortSignal): Promise<void> {
  const method = req.method ?? 'GET';
  let account: RazorpayAccount | undefined;
  try {
    account = authenticate(req, context);
    const body = method === 'POST' ? await readBody(req) : '';
    const faultStatus = await takeFault(account, stopping);
    if (faultStatus) throw new RazorpayError(faultStatus, `Injected fault: this call was set to fail with ${faultStatus} by POST /_control/faults.`);
    const route = ROUTES.map(([routeMethod, pattern, handler]) => ({ routeMethod, handler, ids: matchPath(pattern, url.pathname) })).find(
      (candidate) => candidate.ids && candidate.routeMethod === method,
    );
    if (!route?.ids) throw new RazorpayError(404, `The requested URL was not found on the server. (The local test provider implements only part of Razorpay's API; see ${GUIDE}.)`);
    const values = method === 'POST' ? bodyParams(req, body) : parseFormParams(url.search.slice(1));
    const params = new Params(values, 'dots');
    const result = structuredClone(route.handler({ context, account, params, ids: route.ids }));
    sendJson(res, 200, result);
    context.log(`razorpay ${method} ${url.pathname} 200 (${maskKey(account.keyId)})`);
  } catch (error) {
    if (stopping.aborted) return;
    const razorpayError = toRazorpayError(error, context);
    sendJson(res, razorpayError.status, razorpayError);
    context.log(`razorpay ${method} ${url.pathname} ${razorpayError.status}: ${razorpayError.message}${account ? ` (${maskKey(account.keyId)})` : ''}`);
  }
}

function toRazorpayError(error: unknown, context: ProviderContext): RazorpayError {
  if (error instanceof RazorpayError) return error;
  if (error instanceof ParamError) return fromParamError(error);
  if (error instanceof TransitionError) return badRequest(error.message, 'status');
  if (error instanceof BodyTooLargeError) return new RazorpayError(413, error.message);
  context.log(`razorpay: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new RazorpayError(500, 'The local test provider failed to handle this request; its log has the details.');
}
