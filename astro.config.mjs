// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { settings } from './src/paywall/settings.ts';
import { FULL_PREFIX, MANIFEST_PATH } from './src/paywall/manifest.ts';

export default defineConfig({
  site: settings.url,
  output: 'static',
  trailingSlash: 'always',
  build: { format: 'directory' },
  integrations: [
    mdx(),
    sitemap({
      // Full-text pages are guarded by the edge and must never be advertised.
      filter: (page) => {
        const path = new URL(page).pathname;
        return !path.startsWith(`${FULL_PREFIX}/`) && path !== MANIFEST_PATH;
      },
    }),
  ],
});
