import { PAYWALL_MARKER } from './paywall/teaser.ts';
import type { Story } from './site.ts';
import { storyHtmlWithMarker } from './story-html.ts';

/**
 * A story's whole text as HTML, the locked part included, for the subscribers' private feed: a
 * file under FULL_PREFIX that only the edge reads. Nothing public may use this.
 */
export async function fullStoryHtml(story: Story): Promise<string> {
  return (await storyHtmlWithMarker(story)).replaceAll(PAYWALL_MARKER, '');
}
