// Starts the real thing for the journey tests: `wrangler dev` serving the built site (dist/)
// behind the Worker, as `npm start` does, on a free port, with its own freshly seeded local D1,
// and a stub identity provider that publishes a JWK set, as Auth0 or Keycloak would.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { TestProject } from 'vitest/node';

export const PROVIDER = { issuer: 'https://id.test.example/', audience: 'konkan-courier-test', cookie: 'idp_token' };

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The stub provider's private signing key, for tests to mint its tokens. */
    providerKey: JWK;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitUntilReady(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log.join('')}`)), 90_000);
    const watch = (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.join('').includes('Ready on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code}:\n${log.join('')}`));
    });
  });
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
  if (!existsSync('dist/paywall-manifest.json')) throw new Error('Build the site first: npm run build');
  if (!existsSync('.dev.vars')) throw new Error('Create local secrets first: npm run setup');
  const state = mkdtempSync(join(tmpdir(), 'konkan-journeys-'));
  execFileSync(process.execPath, ['scripts/seed-local.ts', '--persist-to', state], { stdio: 'pipe' });
  const provider = await startProvider();

  const port = await freePort();
  const log: string[] = [];
  const vars = {
    IDP_JWKS_URL: provider.url,
    IDP_ISSUER: PROVIDER.issuer,
    IDP_AUDIENCE: PROVIDER.audience,
    IDP_COOKIE: PROVIDER.cookie,
    IDP_PLAN_CLAIM: 'https://konkancourier.example/plan',
    IDP_PLAN_ENDS_CLAIM: 'subscription.ends',
  };
  const child = spawn(
    process.execPath,
    [
      'node_modules/wrangler/bin/wrangler.js',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, detached: true },
  );
  await waitUntilReady(child, log);
  project.provide('baseUrl', `http://127.0.0.1:${port}`);
  project.provide('providerKey', provider.privateKey);
  return () => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    provider.server.close();
    rmSync(state, { recursive: true, force: true });
  };
}
