import { experimental_AstroContainer as AstroContainer } from 'astro/container';
import { loadRenderers } from 'astro:container';
import { render } from 'astro:content';
import { getContainerRenderer } from '@astrojs/mdx/container-renderer';
import PaywallMarker from './components/PaywallMarker.astro';
import { PAYWALL_MARKER, splitAtPaywall } from './paywall/teaser.ts';
import { settings } from './paywall/settings.ts';
import { isLocked, type Story } from './site.ts';
import { storedHtml } from './stories/stored-html.ts';

let container: Promise<AstroContainer> | undefined;

export function containerForStories(): Promise<AstroContainer> {
  container ??= loadRenderers([getContainerRenderer()]).then((renderers) => AstroContainer.create({ renderers }));
  return container;
}

/** A story's whole text, the locked part and the paywall marker included: for publicStoryHtml and fullStoryHtml only. */
export async function storyHtmlWithMarker(story: Story): Promise<string> {
  const stored = await storedHtml(story.entry.rendered);
  if (stored !== undefined) return stored;
  const { Content } = await render(story.entry);
  return (await containerForStories()).renderToString(Content, { props: { components: { Paywall: PaywallMarker } } });
}

/**
 * The part of a story anyone may read, as HTML, for feeds and other places outside the story
 * pages: the whole story when it is free, the lead-in when it is locked. Locked text never
 * leaves this function.
 */
export async function publicStoryHtml(story: Story): Promise<string> {
  const html = await storyHtmlWithMarker(story);
  if (!isLocked(story)) return html.replaceAll(PAYWALL_MARKER, '');
  return splitAtPaywall(html, settings.teaserParagraphs).lead;
}
