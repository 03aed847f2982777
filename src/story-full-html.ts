import { render } from 'astro:content';
import PaywallMarker from './components/PaywallMarker.astro';
import { PAYWALL_MARKER } from './paywall/teaser.ts';
import type { Story } from './site.ts';
import { containerForStories } from './story-html.ts';

/**
 * A story's whole text as HTML, the locked part included, for the subscribers' private feed: a
 * file under FULL_PREFIX that only the edge reads. Nothing public may use this.
 */
export async function fullStoryHtml(story: Story): Promise<string> {
  const { Content } = await render(story.entry);
  const container = await containerForStories();
  const html = await container.renderToString(Content, { props: { components: { Paywall: PaywallMarker } } });
  return html.replaceAll(PAYWALL_MARKER, '');
}
