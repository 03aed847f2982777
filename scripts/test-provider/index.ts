// A local test-mode payment provider: Stripe's and Razorpay's HTTP APIs (as far as the product
// uses them), their hosted pages, signed webhooks and a test clock, on one local port. Nothing
// here talks to the network except webhook deliveries to the URLs an account is given.
// See README.md in this folder.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './controls.ts';
import { handleHostedPage } from './hosted-pages.ts';
import { credentialsOf, redirect, send } from './http.ts';
import { handleRazorpayRequest } from './razorpay-api.ts';
import { Accounts, isRazorpayTestKey, isStripeTestKey } from './store.ts';
import type { TestAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import { handleStripeRequest } from './stripe-api.ts';
import { WebhookSender } from './webhooks.ts';

export type { TestAccount } from './store.ts';

export interface TestProviderOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Accounts known at start (more can be registered via the control API). */
  accounts?: TestAccount[];
  /** Webhook retry backoff base in ms (default 1000: 1 s, 2 s, 4 s … capped at 60 s, 8 attempts). Tests pass small values. */
  retryBaseMs?: number;
  /** Default console.log; tests pass a no-op or collector. */
  log?: (line: string) => void;
}

export interface TestProvider {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Refuses anything but test keys at start-up, with the option that is wrong. */
function checkAccount(account: TestAccount, index: number): void {
  const where = `startTestProvider: accounts[${index}]`;
  if (account.provider === 'stripe' && !isStripeTestKey(account.secretKey)) throw new Error(`${where}.secretKey must be a Stripe test key (sk_test_…).`);
  if (account.provider === 'razorpay' && !isRazorpayTestKey(account.keyId)) throw new Error(`${where}.keyId must be a Razorpay test key id (rzp_test_…).`);
  if (account.provider === 'razorpay' && !account.keySecret) throw new Error(`${where}.keySecret is required.`);
  if (!account.webhookSecret) throw new Error(`${where}.webhookSecret is required.`);
  if (account.webhookUrl !== undefined && !URL.canParse(account.webhookUrl)) throw new Error(`${where}.webhookUrl is not a URL: ${account.webhookUrl}`);
}

/**
 * Both APIs live under /v1. A Razorpay client authenticates with an rzp_… key id; without any
 * credentials, the Razorpay-only resources still answer in Razorpay's error format.
 */
function isRazorpayCall(req: IncomingMessage, url: URL): boolean {
  const credentials = credentialsOf(req);
  if (credentials) return credentials.scheme === 'basic' && credentials.user.startsWith('rzp_');
  return /^\/v1\/(plans|payments)(\/|$)/.test(url.pathname) || /^\/v1\/subscriptions\/[^/]+\/cancel$/.test(url.pathname);
}

/** The request's path and query. Only those are used: a `//host` path must not become a host. */
function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  const candidate = `http://provider.invalid${target.startsWith('/') ? target : `/${target}`}`;
  return URL.canParse(candidate) ? new URL(candidate) : undefined;
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const host = options.host ?? '127.0.0.1';
  if (options.retryBaseMs !== undefined && !(Number.isFinite(options.retryBaseMs) && options.retryBaseMs >= 0)) {
    throw new Error(`startTestProvider: retryBaseMs must be a number of milliseconds ≥ 0, not ${options.retryBaseMs}.`);
  }
  const log = options.log ?? console.log;
  const accounts = new Accounts();
  for (const [index, account] of (options.accounts ?? []).entries()) {
    checkAccount(account, index);
    accounts.register(account);
  }
  const webhooks = new WebhookSender({ retryBaseMs: options.retryBaseMs ?? 1000, log });
  const stopping = new AbortController();
  const context: ProviderContext = { accounts, webhooks, baseUrl: '', log };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (!url) {
      send(res, 400, 'Bad request: the request target is not a path.\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    } else if (url.pathname.startsWith('/v1/')) {
      if (isRazorpayCall(req, url)) await handleRazorpayRequest(context, req, res, url, stopping.signal);
      else await handleStripeRequest(context, req, res, url, stopping.signal);
    } else if (url.pathname === '/_control' || url.pathname.startsWith('/_control/')) {
      await handleControl(context, req, res, url);
    } else if (url.pathname === '/') {
      redirect(res, '/_control/');
    } else if (!(await handleHostedPage(context, req, res, url))) {
      send(res, 404, 'Not found. The local test provider serves /v1/… (APIs), /_control/ (controls) and the hosted pages it links to.\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // Handlers answer their own errors; this is the last line against a crash or a stack trace.
      log(`unexpected error for ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      send(res, 500, 'The local test provider failed to handle this request; its log has the details.\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  context.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: context.baseUrl,
    port,
    async stop() {
      stopping.abort();
      webhooks.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
