/**
 * Splits a story's rendered HTML into the lead-in, which anyone may read, and the rest, which is
 * locked. The split happens at build time so the locked part is never written into a public page.
 */

/**
 * What the `<Paywall />` line becomes: a marker that exists only between render and split. A `div`
 * on its own line is an HTML block to Markdown too, so it is never wrapped in a paragraph.
 */
export const PAYWALL_MARKER = '<div data-paywall-cut></div>';

export class TeaserError extends Error {
  override name = 'TeaserError';
}

export interface SplitStory {
  lead: string;
  rest: string;
}

const VOID_ELEMENTS = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr',
]);

/** Index just after the n-th top-level closing `</p>`, or -1 if there are not that many. */
function endOfParagraph(html: string, n: number): number {
  const tag = /<(\/?)([a-zA-Z][\w-]*)\b[^>]*?(\/?)>|<!--[\s\S]*?-->/g;
  let depth = 0;
  let count = 0;
  for (let match = tag.exec(html); match; match = tag.exec(html)) {
    const [, closing, rawName, selfClosing] = match;
    if (!rawName) continue; // a comment
    const name = rawName.toLowerCase();
    if (VOID_ELEMENTS.has(name) || selfClosing) continue;
    if (!closing) {
      depth += 1;
      continue;
    }
    depth -= 1;
    if (depth === 0 && name === 'p' && ++count === n) return tag.lastIndex;
  }
  return -1;
}

/**
 * Cuts at the `<Paywall />` marker, or after the first `fallbackParagraphs` top-level paragraphs
 * when the story has no marker. Throws when nothing would be left behind the wall.
 */
export function splitAtPaywall(html: string, fallbackParagraphs: number): SplitStory {
  const markers = html.split(PAYWALL_MARKER);
  if (markers.length > 2) {
    throw new TeaserError('has more than one <Paywall /> line; keep only the one where the teaser ends');
  }
  let lead: string;
  let rest: string;
  if (markers.length === 2) {
    [lead, rest] = markers as [string, string];
  } else {
    const cut = endOfParagraph(html, fallbackParagraphs);
    if (cut === -1 || !html.slice(cut).trim()) {
      throw new TeaserError(
        `is locked but has no <Paywall /> line and fewer than ${fallbackParagraphs + 1} paragraphs, so the teaser would be the whole story; add a <Paywall /> line where the teaser should end`,
      );
    }
    lead = html.slice(0, cut);
    rest = html.slice(cut);
  }
  if (!lead.trim()) throw new TeaserError('has its <Paywall /> line before any text; move it below the first paragraph');
  if (!rest.trim()) throw new TeaserError('has nothing after its <Paywall /> line; move the line up or make the story free');
  return { lead, rest };
}
