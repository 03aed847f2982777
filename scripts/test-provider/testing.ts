// Helpers for the provider's own tests: clients, form posts as a browser makes them, control
// calls, and a local webhook receiver.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { TestProvider } from './index.ts';

/** A key no other test uses, so each test has its own namespace. */
export function uniqueKey(prefix: 'sk_test_' | 'rzp_test_'): string {
  return `${prefix}${randomUUID().replaceAll('-', '')}`;
}

/** The real SDK, pointed at the provider, without retries so every answer is seen as it is. */
export function stripeClient(provider: TestProvider, key: string, options: { timeout?: number } = {}): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: provider.port, protocol: 'http', maxNetworkRetries: 0, ...options });
}

/** POSTs a form like a browser, without following the redirect. */
export async function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

export const GOOD_CARD = { name: 'Asha Rao', number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' };

/** Calls a control endpoint with JSON and returns its status and parsed body. */
export async function control(provider: TestProvider, key: string, path: string, body?: unknown, method = 'POST'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${provider.url}/_control/${path}?key=${encodeURIComponent(key)}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

export interface Drained {
  provider: 'stripe' | 'razorpay';
  eventId: string;
  type: string;
  headers: Record<string, string>;
  body: string;
}

export async function drain(provider: TestProvider, key: string): Promise<Drained[]> {
  const { status, body } = await control(provider, key, 'outbox/drain');
  if (status !== 200) throw new Error(`drain failed: ${status} ${JSON.stringify(body)}`);
  return body as Drained[];
}

/** Razorpay's API with HTTP Basic auth and JSON, as the Worker will call it. */
export function razorpayCaller(provider: TestProvider, keyId: string, keySecret: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${provider.url}${path}`, {
      method,
      headers: { Authorization: `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };
}

export interface ReceivedWebhook {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A local webhook endpoint that answers each request with what `statusFor(n)` says (n from 1). */
export async function startReceiver(statusFor: (requestNumber: number) => number = () => 200): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statusFor(received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
