/**
 * The crawlers the README's crawler policy names, by the token each puts in its User-Agent. A
 * crawler gets what any anonymous reader gets; this list only files its views apart, so they do
 * not swell the newsroom's readers. It grants nothing, and a reader who sends one of these names
 * is only counted as a crawler.
 */
const CRAWLER_TOKENS = [
  'Googlebot',
  'Google-InspectionTool',
  'Storebot-Google',
  'GoogleOther',
  'AdsBot-Google',
  'bingbot',
  'DuckDuckBot',
  'YandexBot',
  'Baiduspider',
  'Applebot',
  'facebookexternalhit',
  'Twitterbot',
  'LinkedInBot',
  'Slackbot',
  'GPTBot',
  'ClaudeBot',
  'CCBot',
  'PerplexityBot',
] as const;

const CRAWLERS = new RegExp(CRAWLER_TOKENS.map((token) => token.replace(/[-]/g, '\\-')).join('|'), 'i');

export function isCrawler(userAgent: string | undefined): boolean {
  return userAgent !== undefined && CRAWLERS.test(userAgent);
}
