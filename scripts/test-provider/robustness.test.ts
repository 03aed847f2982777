// Bad input of every kind gets the provider's own 4xx format, never a crash or a stack trace;
// injected faults reach the SDK as the errors they stand for.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, razorpayCaller, stripeClient, uniqueKey } from './testing.ts';

let provider: TestProvider;
const logged: string[] = [];
beforeAll(async () => {
  provider = await startTestProvider({ log: (line) => logged.push(line) });
});
afterAll(() => provider.stop());

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; text: string; json: any }> {
  const response = await fetch(`${provider.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const HUGE = 'x'.repeat(1024 * 1024 + 1);

function expectStripeError(result: { status: number; json: any }, status: number, type: string, message: RegExp): void {
  expect(result.status).toBe(status);
  expect(result.json?.error?.type).toBe(type);
  expect(result.json?.error?.message).toMatch(message);
}

function expectRazorpayError(result: { status: number; json: any }, status: number, description: RegExp): void {
  expect(result.status).toBe(status);
  expect(result.json?.error).toMatchObject({ code: 'BAD_REQUEST_ERROR', source: expect.any(String), step: expect.any(String), reason: expect.any(String), metadata: {} });
  expect(result.json?.error?.description).toMatch(description);
}

describe('bad input to the Stripe API', () => {
  const key = uniqueKey('sk_test_');
  const auth = { Authorization: `Bearer ${key}` };

  it('refuses missing, live and malformed keys with 401', async () => {
    expectStripeError(await call('/v1/customers'), 401, 'invalid_request_error', /did not provide an API key/);
    expectStripeError(await call('/v1/customers', { headers: { Authorization: 'Bearer sk_live_abcdefghijklmnop' } }), 401, 'invalid_request_error', /refuses live keys/);
    expectStripeError(await call('/v1/customers', { headers: { Authorization: 'Bearer rk_live_abcdefghijklmnop' } }), 401, 'invalid_request_error', /refuses live keys/);
    expectStripeError(await call('/v1/customers', { headers: { Authorization: 'Bearer pk_test_123' } }), 401, 'invalid_request_error', /Invalid API Key provided/);
    // Stripe also takes the key as the Basic auth user name, as `curl -u sk_test_…:` sends it.
    expect((await call('/v1/customers', { headers: { Authorization: basic(key, '') } })).status).toBe(200);
  });

  it.each([
    ['POST', '/v1/customers', 'email=a@b.co&bogus=1', 400, /Received unknown parameter: bogus/],
    ['POST', '/v1/customers', 'metadata[a=1', 400, /Invalid parameter name/],
    ['POST', '/v1/customers', 'email=a@b.co&email[x]=1', 400, /both as a value and as a hash/],
    ['POST', '/v1/prices', 'currency=inr&unit_amount=abc&product_data[name]=x', 400, /must be an integer/],
    ['POST', '/v1/prices', 'currency=zzz&unit_amount=100&product_data[name]=x', 400, /Invalid currency/],
    ['POST', '/v1/checkout/sessions', '{"mode":"subscription"', 400, /Missing required param: mode/],
    ['POST', '/v1/subscriptions/sub_nope', 'cancel_at_period_end=maybe', 400, /true or false/],
    ['GET', '/v1/subscriptions/sub_nope', '', 404, /No such subscription: 'sub_nope'/],
    ['GET', '/v1/customers/cus_nope?expand[]=bogus', '', 400, /cannot be expanded \(bogus\)/],
    ['GET', '/v1/customers?limit=1000', '', 400, /limit must be at most 100/],
    ['POST', '/v1/charges', 'amount=1', 404, /Unrecognized request URL \(POST: \/v1\/charges\)/],
    ['PATCH', '/v1/customers', '', 404, /Unrecognized request URL/],
    ['GET', '/v1/%E0%A4%A', '', 404, /Unrecognized request URL/],
  ])('%s %s %s → %i', async (method, path, body, status, message) => {
    const result = await call(path, { method, headers: { ...auth, ...FORM }, ...(method === 'GET' ? {} : { body }) });
    expectStripeError(result, status, 'invalid_request_error', message);
    expect(result.text).not.toMatch(/at .+\.ts:\d+/);
  });

  it('refuses JSON bodies, as Stripe takes form-encoded ones', async () => {
    const result = await call('/v1/customers', { method: 'POST', headers: { ...auth, ...JSON_TYPE }, body: '{"email":"a@b.co"}' });
    expectStripeError(result, 400, 'invalid_request_error', /application\/x-www-form-urlencoded/);
  });

  it('refuses a body over 1 MB with 413 in Stripe’s format', async () => {
    expectStripeError(await call('/v1/customers', { method: 'POST', headers: { ...auth, ...FORM }, body: `email=${HUGE}` }), 413, 'invalid_request_error', /larger than 1048576 bytes/);
  });
});

describe('bad input to the Razorpay API', () => {
  const keyId = uniqueKey('rzp_test_');
  const auth = { Authorization: basic(keyId, 'secret') };

  it('refuses missing, live, malformed and mismatched credentials with 401', async () => {
    await razorpayCaller(provider, keyId, 'secret')('GET', '/v1/plans');
    expectRazorpayError(await call('/v1/plans'), 401, /api key provided is invalid/);
    expectRazorpayError(await call('/v1/plans', { headers: { Authorization: basic('rzp_live_abc', 'x') } }), 401, /refuses live keys/);
    expectRazorpayError(await call('/v1/plans', { headers: { Authorization: basic('rzp_test_', 'x') } }), 401, /api key provided is invalid/);
    expectRazorpayError(await call('/v1/plans', { headers: { Authorization: basic(keyId, 'other-secret') } }), 401, /key\/secret provided is invalid/);
    expectRazorpayError(await call('/v1/plans', { headers: { Authorization: basic(keyId, '') } }), 401, /secret is missing/);
  });

  it.each([
    ['POST', '/v1/plans', '{"period": "monthly",', 400, /not valid JSON/],
    ['POST', '/v1/plans', '[1, 2]', 400, /must be an object/],
    ['POST', '/v1/plans', '{"period": "monthly", "interval": "1x", "item": {}}', 400, /interval must be an integer/],
    ['POST', '/v1/plans', '{"period": "monthly", "interval": 1, "item": "cheap"}', 400, /item must be a hash/],
    ['POST', '/v1/subscriptions', '{"plan_id": 12, "total_count": 1}', 400, /plan_id must be a string/],
    ['POST', '/v1/subscriptions/sub_nope/cancel', '{}', 400, /The id provided does not exist/],
    ['GET', '/v1/payments/pay_nope', '', 400, /The id provided does not exist/],
    ['GET', '/v1/plans?count=0', '', 400, /count must be at least 1/],
    ['DELETE', '/v1/plans', '', 404, /requested URL was not found/],
  ])('%s %s %s → %i', async (method, path, body, status, message) => {
    expectRazorpayError(await call(path, { method, headers: { ...auth, ...JSON_TYPE }, ...(method === 'GET' || method === 'DELETE' ? {} : { body }) }), status, message);
  });

  it('answers Razorpay-only paths in Razorpay’s format even without credentials', async () => {
    expectRazorpayError(await call('/v1/payments/pay_x/refund', { method: 'POST' }), 401, /api key provided is invalid/);
  });

  it('refuses a body over 1 MB with 413 in Razorpay’s format', async () => {
    expectRazorpayError(await call('/v1/plans', { method: 'POST', headers: { ...auth, ...JSON_TYPE }, body: JSON.stringify({ notes: { a: HUGE } }) }), 413, /larger than 1048576 bytes/);
  });
});

describe('bad input to the controls and pages', () => {
  it.each([
    ['POST', '/_control/delivery', { mode: 'sideways' }, 400, /mode must be one of normal, twice, reverse/],
    ['POST', '/_control/faults', { count: 2 }, 400, /Give a 5xx status, a delayMs, or both/],
    ['POST', '/_control/faults', { status: 404 }, 400, /status must be at least 500/],
    ['POST', '/_control/subscriptions/sub_nope/renew', undefined, 404, /No subscription sub_nope/],
    ['POST', '/_control/checkouts/cs_nope/pay', {}, 404, /No Checkout Session cs_nope/],
    ['PUT', '/_control/accounts', { webhookUrl: 'ftp://x' }, 400, /webhookUrl must be an absolute http\(s\) URL/],
    ['POST', '/_control/nothing', undefined, 404, /No control POST \/_control\/nothing/],
  ])('%s %s %j → %i', async (method, path, body, status, message) => {
    const { status: got, body: answer } = await control(provider, uniqueKey('sk_test_'), path.replace('/_control/', ''), body, method);
    expect(got).toBe(status);
    expect(answer.error.message).toMatch(message);
  });

  it('refuses controls without a test key, and bad JSON', async () => {
    expect(await call('/_control/delivery', { method: 'POST', headers: JSON_TYPE, body: '{"mode":"twice"}' })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/Name the account/) } } });
    expect(await call('/_control/delivery?key=sk_live_x', { method: 'POST', headers: JSON_TYPE, body: '{"mode":"twice"}' })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/not a test key/) } } });
    expect(await call(`/_control/delivery?key=${uniqueKey('sk_test_')}`, { method: 'POST', headers: JSON_TYPE, body: '{mode' })).toMatchObject({ status: 400, json: { error: { message: 'The body is not valid JSON.' } } });
  });

  it('answers unknown hosted pages with a 404 page that still carries the test-mode banner', async () => {
    for (const path of ['/c/pay/cs_test_nope', '/rzp/i/sub_nope', '/p/session/bps_nope', '/p/session/bps_nope/subscriptions/x/card']) {
      const result = await call(path, { method: 'POST', headers: FORM, body: 'number=4242424242424242' });
      expect(result.status).toBe(404);
      expect(result.text).toContain('No money moves');
    }
    expect((await call('/elsewhere')).status).toBe(404);
    const root = await fetch(`${provider.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/_control/');
  });

  it('refuses an oversized form on a hosted page with a 413 page', async () => {
    const stripe = stripeClient(provider, uniqueKey('sk_test_'));
    const price = await stripe.prices.create({ currency: 'inr', unit_amount: 100, recurring: { interval: 'month' }, product_data: { name: 'x' } });
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }] });
    const result = await call(new URL(session.url ?? '').pathname, { method: 'POST', headers: FORM, body: `email=${HUGE}` });
    expect(result.status).toBe(413);
    expect(result.text).toContain('No money moves');
  });

  it('treats a request target that is not a plain path as a bad request, never as a host', async () => {
    const { request } = await import('node:http');
    for (const target of ['//', '//evil.example/_control/', '/\\x']) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port: provider.port, path: target }, (response) => {
          response.resume();
          resolve(response.statusCode);
        })
          .on('error', reject)
          .end();
      });
      expect(status, target).toBeGreaterThanOrEqual(400);
      expect(status, target).toBeLessThan(500);
    }
  });

  it('never answers random bytes with a 5xx', async () => {
    const stripeKey = uniqueKey('sk_test_');
    const paths = ['/v1/customers', '/v1/prices', '/v1/checkout/sessions', '/v1/refunds', '/v1/billing_portal/sessions', '/v1/plans', '/v1/subscriptions', '/_control/faults', '/_control/accounts', '/c/pay/x'];
    const bodies = ['', '&&&', '=', '%', '%zz=1', 'a[]=1&a[x]=2', 'a[][]=1', '\u0000\uffff', '{"a":', 'line_items[0]=x', 'line_items[x][price]=1', 'metadata[]=1', `${'a['.repeat(30)}=1`];
    for (const path of paths) {
      for (const body of bodies) {
        for (const headers of [{ Authorization: `Bearer ${stripeKey}`, ...FORM }, { Authorization: basic('rzp_test_fuzz', 's'), ...JSON_TYPE }]) {
          const result = await call(`${path}?key=${stripeKey}`, { method: 'POST', headers, body });
          expect(result.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        }
      }
    }
    expect(logged.filter((line) => line.includes('unexpected error'))).toEqual([]);
  });
});

describe('injected faults', () => {
  it('answers the next calls with the given 5xx, seen by the SDK as an API error', async () => {
    const key = uniqueKey('sk_test_');
    const stripe = stripeClient(provider, key);
    expect((await control(provider, key, 'faults', { status: 503, count: 2 })).body).toEqual({ fault: { status: 503, remaining: 2 } });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await stripe.customers.create({ email: 'a@example.com' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 503, type: 'StripeAPIError' });
    }
    expect((await stripe.customers.create({ email: 'a@example.com' })).email).toBe('a@example.com');
    // A faulted POST was not executed, so its Idempotency-Key is free for the retry.
    await control(provider, key, 'faults', { status: 500 });
    await expect(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'k1' })).rejects.toMatchObject({ statusCode: 500 });
    expect((await stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'k1' })).email).toBe('b@example.com');
  });

  it('delays the next call past the SDK timeout; the one after is prompt', async () => {
    const key = uniqueKey('sk_test_');
    const stripe = stripeClient(provider, key, { timeout: 200 });
    await control(provider, key, 'faults', { delayMs: 1000, count: 1 });
    const started = Date.now();
    await expect(stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(Date.now() - started).toBeLessThan(900);
    expect((await stripe.customers.list()).object).toBe('list');
  });

  it('faults Razorpay calls in Razorpay’s format, and can be cleared', async () => {
    const keyId = uniqueKey('rzp_test_');
    const api = razorpayCaller(provider, keyId, 'secret');
    await control(provider, keyId, 'faults', { status: 502, count: 5 });
    const faulted = await api('GET', '/v1/plans');
    expect(faulted).toMatchObject({ status: 502, body: { error: { code: 'SERVER_ERROR', description: expect.stringContaining('Injected fault') } } });
    expect((await control(provider, keyId, 'faults', undefined, 'DELETE')).body).toEqual({ fault: null });
    expect((await api('GET', '/v1/plans')).status).toBe(200);
  });
});
