// Creates .dev.vars with fresh random secrets for local use, so `npm start` needs no setup, and
// adds any secret a newer version of the project needs to an existing file. Secrets already in
// the file are never changed: sessions and tokens minted earlier keep working.
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

const DEV_VARS = new URL('../.dev.vars', import.meta.url);

const secret = () => randomBytes(32).toString('base64url');
const token = () => randomBytes(12).toString('hex');

async function signingKey(kid: string): Promise<string> {
  const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  return `'${JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', ext: undefined, key_ops: undefined }] })}'`;
}

const kid = `local-${new Date().toISOString().slice(0, 10)}`;

/** Every secret the Worker reads locally, with how to make a fresh one. See .dev.vars.example. */
const SECRETS: [name: string, make: () => string | Promise<string>][] = [
  ['SESSION_PRIVATE_JWKS', () => signingKey(`${kid}-es256`)],
  ['SESSION_SECRETS', () => `"${kid}:${secret()}"`],
  ['METER_SECRET', () => `"${secret()}"`],
  ['SIGNING_SECRET', () => `"${secret()}"`],
  // Test keys for the local test-mode payment provider, which `npm start` runs; they move no money.
  ['STRIPE_SECRET_KEY', () => `"sk_test_local${token()}"`],
  ['STRIPE_WEBHOOK_SECRET', () => `"whsec_local${token()}"`],
  ['RAZORPAY_KEY_ID', () => `"rzp_test_local${token()}"`],
  ['RAZORPAY_KEY_SECRET', () => `"${secret()}"`],
  ['RAZORPAY_WEBHOOK_SECRET', () => `"${secret()}"`],
];

const existing = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : '';
const present = parseEnv(existing);
const missing = SECRETS.filter(([name]) => present[name] === undefined);
if (missing.length === 0) {
  console.log('.dev.vars has every secret; keeping them.');
} else {
  const lines = [];
  for (const [name, make] of missing) lines.push(`${name}=${await make()}`);
  const header = existing ? '' : '# Local secrets for wrangler dev, made by scripts/dev-vars.ts. Never commit this file.\n';
  const separator = existing && !existing.endsWith('\n') ? '\n' : '';
  writeFileSync(DEV_VARS, `${existing}${separator}${header}${lines.join('\n')}\n`, { mode: 0o600 });
  console.log(`${existing ? 'Added to' : 'Created'} .dev.vars: ${missing.map(([name]) => name).join(', ')} (fresh random values).`);
}
