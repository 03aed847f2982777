import { experimental_AstroContainer as AstroContainer } from 'astro/container';
import { loadRenderers } from 'astro:container';
import { render } from 'astro:content';
import { getContainerRenderer } from '@astrojs/mdx/container-renderer';
import PaywallMarker from './components/PaywallMarker.astro';
import { PAYWALL_MARKER, splitAtPaywall } from './paywall/teaser.ts';
import { settings } from './paywall/settings.ts';
import { isLocked, type Story } from './site.ts';

let container: Promise<AstroContainer> | undefined;

export function containerForStories(): Promise<AstroContainer> {
  container ??= loadRenderers([getContainerRenderer()]).then((renderers) => AstroContainer.create({ renderers }));
  return container;
}

/**
 * The part of a story anyone may read, as HTML, for feeds and other places outside the story
 * pages: the whole story when it is free, the lead-in when it is locked. Locked text never
 * leaves this function.
 */
export async function publicStoryHtml(story: Story): Promise<string> {
  const { Content } = await render(story.entry);
  const html = await (await containerForStories()).renderToString(Content, {
    props: { components: { Paywall: PaywallMarker } },
  });
  if (!isLocked(story)) return html.replaceAll(PAYWALL_MARKER, '');
  return splitAtPaywall(html, settings.teaserParagraphs).lead;
}
