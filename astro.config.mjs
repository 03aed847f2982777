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
  // Stylesheets as files, never inline, so the content security policy needs no 'unsafe-inline'.
  build: { format: 'directory', inlineStylesheets: 'never' },
  integrations: [
    mdx(),
    sitemap({
      // Every public page once. Full-text pages are guarded by the edge and never advertised;
      // account pages are for readers, not search engines.
      filter: (page) => {
        const path = new URL(page).pathname;
        return !path.startsWith(`${FULL_PREFIX}/`) && path !== MANIFEST_PATH && !['/login/', '/account/'].includes(path);
      },
    }),
  ],
});
