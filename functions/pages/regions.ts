import { regionEnd, regionStart, type RegionHook } from '../../src/paywall/contract.ts';
import { escapeHtml } from '../../src/paywall/html.ts';

/** What becomes of one region: cut from the page, or kept and shown, with new text if given. */
export type RegionChange = false | { text?: string };

/** A built page whose regions do not open and close as the build writes them: rebuild the site. */
export class MalformedRegion extends Error {
  constructor(hook: RegionHook, problem: string) {
    super(`The page's ${hook} region ${problem}; rebuild the site (src/components/Region.astro marks regions)`);
    this.name = 'MalformedRegion';
  }
}

/**
 * A built story page, changed for one reader by the regions the build marked around the blocks
 * that differ between readers. Plain string searches: a locked story is the edge's busiest
 * response, and parsing all of it to change a few marked blocks cost about a quarter of its
 * throughput (docs/benchmarks.md).
 */
export class RegionPage {
  #html: string;

  constructor(html: string) {
    this.#html = html;
  }

  /**
   * Decides every region of `hook`, in the order they come, by its value (`''` for a hook without
   * one). A kept region loses its markers and its element's `hidden`; a cut one goes with its
   * markers. Regions inside a cut one go with it, so fill inner regions before deciding outer ones.
   */
  change(hook: RegionHook, decide: (value: string) => RegionChange): this {
    const html = this.#html;
    const opening = regionStart(hook).slice(0, -']-->'.length);
    const closing = regionEnd(hook);
    let changed = '';
    let from = 0;
    for (let start = html.indexOf(opening); start !== -1; start = html.indexOf(opening, Math.max(from, start + 1))) {
      const startEnd = html.indexOf(']-->', start);
      if (startEnd === -1) throw new MalformedRegion(hook, 'has an unfinished opening marker');
      const named = html.slice(start + opening.length, startEnd);
      // Another hook whose name begins with this one's.
      if (named !== '' && !named.startsWith('=')) continue;
      const end = html.indexOf(closing, startEnd);
      if (end === -1) throw new MalformedRegion(hook, 'is not closed');
      const verdict = decide(named.slice(1));
      changed += html.slice(from, start);
      if (verdict) changed += shown(html.slice(startEnd + ']-->'.length, end), hook, verdict.text);
      from = end + closing.length;
    }
    this.#html = changed + html.slice(from);
    return this;
  }

  toString(): string {
    return this.#html;
  }
}

/** A region's element, shown (without `hidden`), with its content replaced by `text` if given. */
function shown(element: string, hook: RegionHook, text: string | undefined): string {
  const tagEnd = element.indexOf('>');
  if (!element.startsWith('<') || tagEnd === -1) throw new MalformedRegion(hook, 'does not hold an element');
  const startTag = element.slice(0, tagEnd + 1).replace(/\shidden(?=[\s/>])/, '');
  if (text === undefined) return startTag + element.slice(tagEnd + 1);
  const endTag = element.lastIndexOf('</');
  if (endTag <= tagEnd) throw new MalformedRegion(hook, 'has no end tag to fill up to');
  return startTag + escapeHtml(text) + element.slice(endTag);
}
