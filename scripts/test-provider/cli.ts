// Runs the local test payment provider on its own, e.g.
//   node scripts/test-provider/cli.ts --port 12111 \
//     --stripe-secret-key sk_test_local --stripe-webhook-secret whsec_local \
//     --stripe-webhook-url http://127.0.0.1:8787/webhooks/stripe \
//     --razorpay-key-id rzp_test_local --razorpay-key-secret local_secret \
//     --razorpay-webhook-secret local_webhook_secret --razorpay-webhook-url http://127.0.0.1:8787/webhooks/razorpay
import { parseArgs } from 'node:util';
import { startTestProvider } from './index.ts';
import type { TestAccount } from './index.ts';

const USAGE = `Usage: node scripts/test-provider/cli.ts [options]
  --port <n>                      port to listen on (default 12111; 0 for any free port)
  --host <address>                address to listen on (default 127.0.0.1)
  --retry-base-ms <n>             webhook retry backoff base (default 1000)
  --stripe-secret-key <sk_test_…> --stripe-webhook-secret <whsec_…> [--stripe-webhook-url <url>]
  --razorpay-key-id <rzp_test_…>  --razorpay-key-secret <secret> --razorpay-webhook-secret <secret> [--razorpay-webhook-url <url>]
Without a webhook URL, an account's signed webhooks wait in its outbox (POST /_control/outbox/drain).
Any other sk_test_… or rzp_test_… key works too, as a fresh account.`;

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, not "${value}".`);
  return Number(value);
}

function accountsFrom(values: Record<string, string | boolean | undefined>): TestAccount[] {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  const accounts: TestAccount[] = [];
  const stripeKey = text('stripe-secret-key');
  if (stripeKey) {
    const webhookSecret = text('stripe-webhook-secret');
    if (!webhookSecret) throw new Error('--stripe-secret-key needs --stripe-webhook-secret too.');
    const webhookUrl = text('stripe-webhook-url');
    accounts.push({ provider: 'stripe', secretKey: stripeKey, webhookSecret, ...(webhookUrl ? { webhookUrl } : {}) });
  }
  const keyId = text('razorpay-key-id');
  if (keyId) {
    const keySecret = text('razorpay-key-secret');
    const webhookSecret = text('razorpay-webhook-secret');
    if (!keySecret || !webhookSecret) throw new Error('--razorpay-key-id needs --razorpay-key-secret and --razorpay-webhook-secret too.');
    const webhookUrl = text('razorpay-webhook-url');
    accounts.push({ provider: 'razorpay', keyId, keySecret, webhookSecret, ...(webhookUrl ? { webhookUrl } : {}) });
  }
  return accounts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'retry-base-ms': { type: 'string' },
      'stripe-secret-key': { type: 'string' },
      'stripe-webhook-secret': { type: 'string' },
      'stripe-webhook-url': { type: 'string' },
      'razorpay-key-id': { type: 'string' },
      'razorpay-key-secret': { type: 'string' },
      'razorpay-webhook-secret': { type: 'string' },
      'razorpay-webhook-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const provider = await startTestProvider({
    port: integer(values.port, 'port', 12111),
    ...(values.host ? { host: values.host } : {}),
    retryBaseMs: integer(values['retry-base-ms'], 'retry-base-ms', 1000),
    accounts: accountsFrom(values),
  });
  console.log(`Local test payment provider (no money moves) on ${provider.url}`);
  console.log(`Control page: ${provider.url}/_control/`);
  const stop = (): void => {
    void provider.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
