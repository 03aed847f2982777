import { getCollection, type CollectionEntry } from 'astro:content';

export type Article = CollectionEntry<'articles'>;

/** Stories newest first: the order of every listing. */
export async function publishedArticles(): Promise<Article[]> {
  const articles = await getCollection('articles');
  return articles.sort((a, b) => b.data.published.getTime() - a.data.published.getTime());
}

export function isLocked(article: Article): boolean {
  return article.data.access !== 'free';
}

export const ACCESS_LABELS = { free: 'Free', metered: '', premium: 'Premium' } as const;
