import { FULL_PREFIX } from './paywall/contract.ts';
import { settings } from './paywall/settings.ts';

/** The picture social cards and structured data use when a story has none of its own. */
export const DEFAULT_IMAGE = { path: '/og-default.png', width: 1200, height: 630 };
/** The publisher's logo for structured data (Google asks for at most 600×60). */
export const LOGO = { path: '/logo.png', width: 600, height: 60 };

export function absoluteUrl(path: string): string {
  return new URL(path, settings.url).href;
}

/** The one public address of a page; a full-text page's is its story's public page. */
export function canonicalUrl(pathname: string): string {
  const publicPath = pathname.startsWith(`${FULL_PREFIX}/`) ? pathname.slice(FULL_PREFIX.length) : pathname;
  return absoluteUrl(publicPath);
}

/** JSON for a <script type="application/ld+json">, safe to put in HTML. */
export function jsonLd(data: object): string {
  return JSON.stringify(data).replaceAll('<', '\\u003c');
}
