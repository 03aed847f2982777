import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { sourceStories } from './test/content.ts';
import { archiveObjects, builtFiles } from './test/dist.ts';
import { existsSync } from 'node:fs';
import { freePort } from './scripts/local-site.ts';
import { TEST_PROVIDER_PORT } from './test/payments-provider.ts';

// Miniflare would look up Cloudflare's request metadata (Request.cf) online; the tests never need it.
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] ??= 'false';

/** Fixed, test-only secrets for the Worker tests; they sign nothing outside them. */
export const TEST_SECRETS = {
  SESSION_PRIVATE_JWKS: JSON.stringify({
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        x: '2Mis1-RC2rn0troQxEZS8y7DXcSquX2JQMZcexYVtvY',
        y: 'sDEay_p7I9UU44CpEqzGs5xEewN8SZGXltZCsHEsVlk',
        d: 'rtNF9ZpxhkUpqESs500LDThBd4K5OF2sQPZ-dXwjF0E',
        kid: 'test-es-1',
        alg: 'ES256',
      },
    ],
  }),
  SESSION_SECRETS: 'test-1:worker-tests-session-secret-0123456789abcdef,test-old:worker-tests-old-session-secret-0123456789',
  METER_SECRET: 'worker-tests-meter-secret-0123456789abcdefghij',
  SIGNING_SECRET: 'worker-tests-signing-secret-0123456789abcdefgh',
  STRIPE_SECRET_KEY: 'sk_test_workertests',
  STRIPE_WEBHOOK_SECRET: 'whsec_workertests',
  RAZORPAY_KEY_ID: 'rzp_test_workertests',
  RAZORPAY_KEY_SECRET: 'worker-tests-razorpay-key-secret',
  RAZORPAY_WEBHOOK_SECRET: 'worker-tests-razorpay-webhook-secret',
};

// The Worker tests pay through the local test-mode provider, started in Node on this port.
const providerPort = Number((process.env[TEST_PROVIDER_PORT] ??= String(await freePort())));
const providerUrl = `http://127.0.0.1:${providerPort}`;

export default defineConfig({
  test: {
    projects: [
      {
        // Pure logic shared by the build and the edge, run in Node.
        test: { name: 'unit', include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'], environment: 'node' },
      },
      {
        // The Worker inside workerd, with the built site as its static assets.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // An empty database for the migration tests to migrate step by step.
              d1Databases: { MIGRATION_TEST_DB: 'migration-test' },
              bindings: {
                ...TEST_SECRETS,
                STRIPE_API_URL: providerUrl,
                RAZORPAY_API_URL: providerUrl,
                // Counts sent as soon as a request ends, so a test sees them when its request returns.
                COUNTING_GATHER_MS: '0',
                // Every reader in every control, so tests of the allowance and the wall hold whatever
                // content/experiments.json runs; the experiment tests turn it on for themselves.
                EXPERIMENTS: 'off',
                TEST_MIGRATIONS: await readD1Migrations('migrations'),
                // What the edge tests check against, read in Node: the stories' locked sentences
                // straight from content/, and every file the build wrote (assets and archive).
                TEST_STORIES: sourceStories(),
                TEST_BUILT_FILES: existsSync('dist') ? builtFiles() : [],
                // The build's R2 archive (dist-r2/), which functions/test-setup.ts puts in each
                // test file's ARCHIVE bucket, as `npm start` fills wrangler dev's.
                TEST_ARCHIVE: archiveObjects(),
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['functions/**/*.test.ts', 'test/edge/**/*.test.ts'],
          setupFiles: ['functions/test-setup.ts'],
          globalSetup: ['test/payments-provider.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // Journeys over HTTP against `wrangler dev` serving the built site, as `npm start` does.
        test: {
          name: 'journeys',
          include: ['test/**/*.test.ts'],
          exclude: ['test/edge/**'],
          environment: 'node',
          globalSetup: ['test/server.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
