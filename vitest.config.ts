import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { sourceStories } from './test/content.ts';
import { builtFiles } from './test/dist.ts';
import { existsSync } from 'node:fs';

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
};

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
              bindings: {
                ...TEST_SECRETS,
                TEST_MIGRATIONS: await readD1Migrations('migrations'),
                // What the edge tests check against, read in Node: the stories' locked sentences
                // straight from content/, and every file the build wrote.
                TEST_STORIES: sourceStories(),
                TEST_BUILT_FILES: existsSync('dist') ? builtFiles() : [],
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['functions/**/*.test.ts', 'test/edge/**/*.test.ts'],
          setupFiles: ['functions/test-setup.ts'],
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
