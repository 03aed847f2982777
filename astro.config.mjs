// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { settings } from './src/paywall/settings.ts';
import { readFileSync } from 'node:fs';
import { FULL_PREFIX, MANIFEST_PREFIX, manifestIndexPath, NEWSROOM_PREFIX, PAGES } from './src/paywall/contract.ts';
import { loadEmails } from './src/emails.ts';

/** Pages for one reader (log-in, links, account, checkout return), never for search engines. */
/** @type {string[]} */
const readerPages = [PAGES.login, PAGES.emailLink, PAGES.loginLink, PAGES.checkoutReturn];

/**
 * Stories whose publication time is still ahead are built (the edge holds them back until then)
 * but must not be advertised before it. The sitemap is written after the pages, so this reads
 * their publication times from the build's own manifest (its index lists every story embargoed at
 * build time): the same source the edge decides by.
 */
/** @type {Set<string> | undefined} */
let embargoed;
function embargoedPaths() {
  if (!embargoed) {
    /** @type {import('./src/paywall/manifest.ts').ManifestIndex} */
    const index = JSON.parse(readFileSync(new URL(`./dist${manifestIndexPath()}`, import.meta.url), 'utf8'));
    const now = Date.now() / 1000;
    embargoed = new Set(index.pending.filter((story) => story.publishAt > now).map((story) => story.path));
  }
  return embargoed;
}

export default defineConfig({
  site: settings.url,
  output: 'static',
  trailingSlash: 'always',
  // Stylesheets and scripts as files, never inline, so the content security policy needs no
  // 'unsafe-inline' (Astro inlines scripts smaller than Vite's assetsInlineLimit).
  // Twelve pages in flight at once: on two cores this overlaps rendering with writing files, and
  // with copying reused pages on a rebuild (docs/benchmarks.md: against one, 7% off a 10,000-story
  // build; against four, 2-3 s off its rebuild, the same memory).
  build: { format: 'directory', inlineStylesheets: 'never', concurrency: 12 },
  vite: { build: { assetsInlineLimit: 0 } },
  // A rebuild reuses the story pages whose cacheKey (src/site.ts storyPagesKey) and code are
  // unchanged, copied from node_modules/.astro/: publishing one story into a large archive does not
  // render the archive again. test/rebuild.test.ts proves the output equals a build from nothing.
  experimental: { incrementalBuild: true },
  integrations: [
    // The emails in content/emails/ are checked before anything is built: an unknown or stray
    // placeholder stops the build with the file and what to write instead.
    { name: 'presswall-emails', hooks: { 'astro:config:setup': () => void loadEmails() } },
    mdx(),
    sitemap({
      // Every public page once. Full-text pages are guarded by the edge and never advertised;
      // account and checkout pages are for readers, and the newsroom for staff, not search engines.
      filter: (page) => {
        const path = new URL(page).pathname;
        return (
          !path.startsWith(`${FULL_PREFIX}/`) &&
          !path.startsWith(`${MANIFEST_PREFIX}/`) &&
          !readerPages.includes(path) &&
          !path.startsWith(PAGES.account) &&
          !path.startsWith(NEWSROOM_PREFIX) &&
          !embargoedPaths().has(path)
        );
      },
    }),
  ],
});
