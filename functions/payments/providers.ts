import { settings } from '../../src/paywall/settings.ts';
import type { PaymentProvider } from './provider.ts';
import { razorpayProvider } from './razorpay.ts';
import { stripeProvider } from './stripe.ts';

const providers = new Map<string, PaymentProvider>();

/**
 * The provider chosen in content/site.json, configured from the Worker's environment. Kept per
 * isolate, so what an adapter learns once (a checked price, a Razorpay plan id) is reused.
 */
export function paymentProvider(env: Env): PaymentProvider {
  const name = settings.payments.provider;
  const key = [name, env.STRIPE_SECRET_KEY, env.STRIPE_API_URL, env.RAZORPAY_KEY_ID, env.RAZORPAY_API_URL].join('\u0000');
  let provider = providers.get(key);
  if (!provider) {
    provider = name === 'stripe' ? stripeProvider(env) : razorpayProvider(env);
    providers.set(key, provider);
  }
  return provider;
}

/**
 * Test keys move no money, whether they reach the provider's own test mode or the local
 * test-mode provider; every page then says so.
 */
export function isTestMode(env: Env): boolean {
  const key = settings.payments.provider === 'stripe' ? env.STRIPE_SECRET_KEY : env.RAZORPAY_KEY_ID;
  return /^(sk|rk)_test_|^rzp_test_/.test(key?.trim() ?? '');
}

/** Where the provider's hosted pages live, for the forms that lead there (content security policy). */
export function hostedPageOrigins(env: Env): string[] {
  if (settings.payments.provider === 'stripe') {
    return env.STRIPE_API_URL?.trim() ? [new URL(env.STRIPE_API_URL).origin] : ['https://checkout.stripe.com', 'https://billing.stripe.com'];
  }
  return [];
}
