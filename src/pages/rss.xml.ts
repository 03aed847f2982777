// The site's RSS feed: free stories in full, locked stories as their standfirst and lead-in only.
import rss from '@astrojs/rss';
import type { APIRoute } from 'astro';
import { articlePath } from '../paywall/manifest.ts';
import { settings } from '../paywall/settings.ts';
import { isLocked, publishedArticles } from '../site.ts';
import { publicStoryHtml } from '../story-html.ts';

export const GET: APIRoute = async () => {
  const articles = await publishedArticles();
  return rss({
    title: settings.name,
    description: settings.tagline,
    site: settings.url,
    customData: `<language>${settings.locale}</language>`,
    xmlns: { dc: 'http://purl.org/dc/elements/1.1/' },
    items: await Promise.all(
      articles.map(async (article) => {
        const lead = await publicStoryHtml(article);
        const link = new URL(articlePath(article.id), settings.url).href;
        const more = isLocked(article)
          ? `<p><a href="${link}">${article.data.access === 'premium' ? 'Subscribers can read the full story' : 'Read the full story'} on ${settings.name}.</a></p>`
          : '';
        return {
          title: article.data.title,
          link,
          pubDate: article.data.published,
          description: article.data.standfirst,
          customData: `<dc:creator>${escapeHtml(article.data.author)}</dc:creator>`,
          categories: [article.data.section, ...(article.data.access === 'premium' ? ['Premium'] : [])],
          content: `<p><strong>${escapeHtml(article.data.standfirst)}</strong></p>${lead}${more}`,
        };
      }),
    ),
  });
};

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
