// Global setup of the Worker tests: the local test-mode payment provider, in Node, on the port
// vitest.config.ts chose and handed to workerd as STRIPE_API_URL / RAZORPAY_API_URL. Each test
// file pays with its own keys, so the provider keeps their customers and webhooks apart.
import { startTestProvider } from '../scripts/test-provider/index.ts';

export const TEST_PROVIDER_PORT = 'PRESSWALL_TEST_PROVIDER_PORT';

export default async function setup() {
  const port = Number(process.env[TEST_PROVIDER_PORT]);
  if (!port) throw new Error(`${TEST_PROVIDER_PORT} is not set; vitest.config.ts chooses it`);
  const provider = await startTestProvider({ port, log: () => {} });
  return () => provider.stop();
}
