import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { accountRoute, formLimit } from '../forms/index.ts';
import { sameOrigin } from '../security/index.ts';
import { changeCancellation, openBilling } from './billing.ts';
import { checkoutReturn, startCheckout } from './checkout.ts';
import { MAX_WEBHOOK_BYTES, receiveWebhook } from './webhooks.ts';

/** Checkout, its return, billing actions and the providers' webhooks. Mounted at the site's root. */
export const payments = new Hono<AppEnv>();

for (const path of [PAGES.subscribe, PAGES.checkoutReturn, '/account/billing/', '/account/cancel/', '/account/resume/']) {
  payments.use(path, accountRoute, formLimit);
}
payments.post(PAGES.subscribe, sameOrigin, startCheckout);
payments.get(PAGES.checkoutReturn, checkoutReturn);
payments.post('/account/billing/', sameOrigin, openBilling);
payments.post('/account/cancel/', sameOrigin, (c) => changeCancellation(c, true));
payments.post('/account/resume/', sameOrigin, (c) => changeCancellation(c, false));

payments.post(
  '/payments/webhooks/:provider',
  bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: (c) => c.json({ error: 'That body is larger than any webhook.' }, 413) }),
  receiveWebhook,
);
