// The site's RSS feed: the latest stories (settings.feedItems), free ones in full, locked ones as
// their standfirst and lead-in only.
import rss from '@astrojs/rss';
import type { APIRoute } from 'astro';
import { settings } from '../paywall/settings.ts';
import { isLocked, storiesPublishedBy } from '../site.ts';
import { publicStoryHtml } from '../story-html.ts';

export const GET: APIRoute = async () => {
  // Stories under embargo join the feed at the first build after their publication time.
  const stories = (await storiesPublishedBy(new Date())).slice(0, settings.feedItems);
  return rss({
    title: settings.name,
    description: settings.tagline,
    site: settings.url,
    customData: `<language>${settings.locale}</language>`,
    xmlns: { dc: 'http://purl.org/dc/elements/1.1/' },
    items: await Promise.all(
      stories.map(async (story) => {
        const { title, standfirst, published } = story.entry.data;
        const lead = await publicStoryHtml(story);
        const link = new URL(story.path, settings.url).href;
        const more = isLocked(story)
          ? `<p><a href="${link}">${story.access === 'premium' ? 'Subscribers can read the full story' : 'Read the full story'} on ${settings.name}.</a></p>`
          : '';
        return {
          title,
          link,
          pubDate: published,
          description: standfirst,
          customData: `<dc:creator>${escapeHtml(story.author.data.name)}</dc:creator>`,
          categories: [story.section.data.name, ...(story.access === 'premium' ? ['Premium'] : [])],
          content: `<p><strong>${escapeHtml(standfirst)}</strong></p>${lead}${more}`,
        };
      }),
    ),
  });
};

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
