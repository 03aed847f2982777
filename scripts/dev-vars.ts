// Creates .dev.vars with fresh random secrets when it is missing, so `npm start` needs no setup.
// An existing file is left alone: sessions and tokens minted earlier keep working.
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

const DEV_VARS = new URL('../.dev.vars', import.meta.url);

const secret = () => randomBytes(32).toString('base64url');

async function signingKey(kid: string): Promise<string> {
  const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  return JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', ext: undefined, key_ops: undefined }] });
}

if (existsSync(DEV_VARS)) {
  console.log('.dev.vars exists; keeping its secrets.');
} else {
  const kid = `local-${new Date().toISOString().slice(0, 10)}`;
  writeFileSync(
    DEV_VARS,
    [
      '# Local secrets for wrangler dev, made by scripts/dev-vars.ts. Never commit this file.',
      `SESSION_PRIVATE_JWKS='${await signingKey(`${kid}-es256`)}'`,
      `SESSION_SECRETS="${kid}:${secret()}"`,
      `METER_SECRET="${secret()}"`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  console.log('Created .dev.vars with fresh random secrets.');
}
