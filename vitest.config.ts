import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/** Fixed, test-only secrets for the Worker tests; they never leave this file. */
export const TEST_SECRETS = {
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
            miniflare: { bindings: TEST_SECRETS },
          }),
        ],
        test: { name: 'worker', include: ['functions/**/*.test.ts'] },
      },
      {
        // Journeys over HTTP against `wrangler dev` serving the built site, as `npm start` does.
        test: {
          name: 'journeys',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/server.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
