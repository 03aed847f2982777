// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { settings } from './src/paywall/settings.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { articlePath, FULL_PREFIX, MANIFEST_PATH } from './src/paywall/manifest.ts';

/**
 * Stories whose publication time is still ahead are built (the edge holds them back until then)
 * but must not be advertised in the sitemap before it. The sitemap integration sees only URLs,
 * so their addresses are read from the frontmatter here.
 */
function embargoedPaths(now = Date.now()) {
  const folder = new URL('./content/articles/', import.meta.url);
  return new Set(
    readdirSync(folder)
      .filter((file) => /\.mdx?$/.test(file))
      .filter((file) => {
        const published = /^published:\s*["']?([^"'\n]+)/m.exec(readFileSync(new URL(file, folder), 'utf8'))?.[1];
        return published !== undefined && Date.parse(published) > now;
      })
      .map((file) => articlePath(file.replace(/\.mdx?$/, ''))),
  );
}
const embargoed = embargoedPaths();

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
        return (
          !path.startsWith(`${FULL_PREFIX}/`) &&
          path !== MANIFEST_PATH &&
          !['/login/', '/account/'].includes(path) &&
          !embargoed.has(path)
        );
      },
    }),
  ],
});
