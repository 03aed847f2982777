// `npm start`, after the build and the local database are ready: serves the site through the
// Worker with `wrangler dev` on http://localhost:8787 (or PORT), and the local test-mode payment
// provider beside it, until Ctrl-C stops both. TEST_PROVIDER=off leaves the provider out, for a
// publisher trying their own provider test keys (set STRIPE_API_URL/RAZORPAY_API_URL to nothing).
import { LOCAL_OUTBOX_PATH } from '../src/paywall/contract.ts';
import { startLocalSite } from './local-site.ts';

const port = Number(process.env['PORT'] ?? 8787);
const site = await startLocalSite({
  port,
  persistTo: '.wrangler/state',
  testProvider: process.env['TEST_PROVIDER'] !== 'off',
  echo: true,
});

console.log(`
  The site, with the paywall:  http://localhost:${port}
  Emails sent (log-in links):  http://localhost:${port}${LOCAL_OUTBOX_PATH}  (each link is also printed here)
${site.provider ? `  Test-mode payments:         ${site.provider.url}/_control/  (renew, fail a renewal, cancel; every webhook)
  Pay with 4242 4242 4242 4242, any future expiry, any CVC. No money moves.
` : ''}  Ctrl-C stops it.
`);

const stop = async () => {
  await site.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
