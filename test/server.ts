// Starts the real thing for the journey tests: `wrangler dev` serving the built site (dist/)
// behind the Worker, as `npm start` does, on a free port, with its own freshly seeded local D1
// (scripts/local-site.ts), and a stub identity provider that publishes a JWK set, as Auth0 or
// Keycloak would.
import { createServer as createHttpServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { TestProject } from 'vitest/node';
import { freePort, startLocalSite } from '../scripts/local-site.ts';

export const PROVIDER = { issuer: 'https://id.test.example/', audience: 'presswall-test', cookie: 'idp_token', planClaim: 'https://id.test.example/plan' };

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The stub provider's private signing key, for tests to mint its tokens. */
    providerKey: JWK;
    /** The local test-mode payment provider the site pays through. */
    paymentsUrl: string;
  }
}

async function startProvider(): Promise<{ server: Server; url: string; privateKey: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] });
  const server = createHttpServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json`, privateKey: { ...(await exportJWK(privateKey)), kid: 'idp-1', alg: 'RS256' } };
}

export default async function setup(project: TestProject) {
  const provider = await startProvider();
  let site;
  try {
    site = await startLocalSite({
      name: 'presswall-journeys',
      // Webhook retries in seconds would outlast a test; the same backoff, faster.
      retryBaseMs: 50,
      vars: {
        // Every reader in every control, so journeys that count the allowance hold whatever
        // content/experiments.json runs; test/e2e/experiments.test.ts starts a site with them on.
        EXPERIMENTS: 'off',
        IDP_JWKS_URL: provider.url,
        IDP_ISSUER: PROVIDER.issuer,
        IDP_AUDIENCE: PROVIDER.audience,
        IDP_COOKIE: PROVIDER.cookie,
        IDP_PLAN_CLAIM: PROVIDER.planClaim,
        IDP_PLAN_ENDS_CLAIM: 'subscription.ends',
      },
    });
  } catch (error) {
    provider.server.close();
    throw error;
  }
  project.provide('baseUrl', site.url);
  project.provide('paymentsUrl', site.provider!.url);
  project.provide('providerKey', provider.privateKey);
  return async () => {
    await site.stop();
    provider.server.close();
  };
}
