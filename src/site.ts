import { getCollection, type CollectionEntry } from 'astro:content';
import { settings } from './paywall/settings.ts';

export type Article = CollectionEntry<'articles'>;

/** Stories newest first: the order of every listing. */
export async function publishedArticles(): Promise<Article[]> {
  const articles = await getCollection('articles');
  return articles.sort((a, b) => b.data.published.getTime() - a.data.published.getTime());
}

export function isLocked(article: Article): boolean {
  return article.data.access !== 'free';
}

const dateFormat = new Intl.DateTimeFormat(settings.locale, {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: settings.timeZone,
});

/** A date as readers of this site write it, in the newsroom's time zone. */
export function formatDate(date: Date): string {
  return dateFormat.format(date);
}

export const ACCESS_LABELS = { free: 'Free', metered: '', premium: 'Premium' } as const;
