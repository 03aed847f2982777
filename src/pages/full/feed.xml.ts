// The latest stories in full, for subscribers' private feeds. Under FULL_PREFIX, so the edge
// refuses this file to every outside request; it serves it only at the private address of a
// subscriber whose subscription is live (functions/feeds/).
import rss from '@astrojs/rss';
import type { APIRoute } from 'astro';
import { escapeHtml } from '../../paywall/html.ts';
import { settings } from '../../paywall/settings.ts';
import { storiesPublishedBy } from '../../site.ts';
import { fullStoryHtml } from '../../story-full-html.ts';

export const GET: APIRoute = async () => {
  const latest = (await storiesPublishedBy(new Date())).slice(0, settings.feedItems);
  const items = await Promise.all(
    latest.map(async (story) => ({
      title: story.entry.data.title,
      link: new URL(story.path, settings.url).href,
      pubDate: story.entry.data.published,
      description: story.entry.data.standfirst,
      content: `<p><strong>${escapeHtml(story.entry.data.standfirst)}</strong></p>${await fullStoryHtml(story)}`,
    })),
  );
  return rss({
    title: `${settings.name}, for subscribers`,
    description: `The latest ${settings.feedItems} stories of ${settings.name} in full. This address is yours alone: keep it to yourself.`,
    site: settings.url,
    customData: `<language>${settings.locale}</language>`,
    items,
  });
};
