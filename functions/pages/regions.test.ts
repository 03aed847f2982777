import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { keepsOfferRegion, offersFor } from '../../src/paywall/offers.ts';
import { WALL_REASONS } from '../../src/paywall/access.ts';
import { fullPathOf, HOOKS, hook, regionEnd, regionStart, type RegionHook } from '../../src/paywall/contract.ts';
import { builtText } from '../../test/edge/archive.ts';
import { MalformedRegion, RegionPage, type RegionChange } from './regions.ts';

const region = (name: RegionHook, element: string, value?: string) => `${regionStart(name, value)}${element}${regionEnd(name)}`;

describe('RegionPage', () => {
  const page = [
    '<main>',
    region(HOOKS.wallReason, '<div data-wall-reason="limit"><h2>Limit</h2></div>', 'limit'),
    region(HOOKS.wallReason, '<div data-wall-reason="premium" hidden><h2>Premium</h2></div>', 'premium'),
    region(HOOKS.giftNote, `<p data-gift-note hidden>${region(HOOKS.giftFrom, '<strong data-gift-from>A subscriber</strong>')} gave you this.</p>`),
    '</main>',
  ].join('');

  it('keeps the region chosen, shown and without its markers, and cuts the others', () => {
    const html = new RegionPage(page).change(HOOKS.wallReason, (value) => value === 'premium' && {}).toString();
    expect(html).toContain('<div data-wall-reason="premium"><h2>Premium</h2></div>');
    expect(html).not.toContain('Limit');
    expect(html).not.toContain(`[${HOOKS.wallReason}`);
    expect(html.startsWith('<main>') && html.endsWith('</main>')).toBe(true);
  });

  it('fills an inner region, escaped, before its outer one is kept', () => {
    const html = new RegionPage(page)
      .change(HOOKS.giftFrom, () => ({ text: 'Asha <b>&</b> "Ravi"' }))
      .change(HOOKS.giftNote, () => ({}))
      .toString();
    expect(html).toContain('<p data-gift-note><strong data-gift-from>Asha &lt;b&gt;&amp;&lt;/b&gt; &quot;Ravi&quot;</strong> gave you this.</p>');
    expect(html).not.toMatch(/<!--\[\/?data-gift/);
  });

  it('cuts regions inside a region it cuts', () => {
    const html = new RegionPage(page).change(HOOKS.giftNote, () => false).toString();
    expect(html).not.toContain('gave you');
    expect(html).not.toContain(HOOKS.giftFrom);
  });

  it('leaves a page without the region as it is, and tells hooks that share a prefix apart', () => {
    const html = `<p>${region(HOOKS.giftNote, '<p data-gift-note hidden>Note</p>')}</p>`;
    const prefixed = html.replaceAll(HOOKS.giftNote, `${HOOKS.giftNote}s`);
    expect(new RegionPage(prefixed).change(HOOKS.giftNote, () => false).toString()).toBe(prefixed);
    expect(new RegionPage('<p>plain</p>').change(HOOKS.giftNote, () => false).toString()).toBe('<p>plain</p>');
  });

  it.each([
    ['an opening marker without its end', `${regionStart(HOOKS.giftForm)}<form data-gift-form hidden></form>`],
    ['an unfinished opening marker', '<!--[data-gift-form'],
    ['a region without an element', region(HOOKS.giftForm, 'text only')],
  ])('refuses %s, telling to rebuild', (_, html) => {
    expect(() => new RegionPage(html).change(HOOKS.giftForm, () => ({ text: 'x' }))).toThrow(MalformedRegion);
    expect(() => new RegionPage(html).change(HOOKS.giftForm, () => ({ text: 'x' }))).toThrow('rebuild the site');
  });
});

/** What the edge did with an HTMLRewriter before the regions: the same changes, made by a real HTML parser. */
async function rewritten(html: string, changes: [RegionHook, (value: string) => RegionChange][]): Promise<string> {
  let rewriter = new HTMLRewriter();
  for (const [name, decide] of changes) {
    rewriter = rewriter.on(hook(name), {
      element(element) {
        const verdict = decide(element.getAttribute(name) ?? '');
        if (!verdict) {
          element.remove();
          return;
        }
        element.removeAttribute('hidden');
        if (verdict.text !== undefined) element.setInnerContent(verdict.text);
      },
    });
  }
  return rewriter.transform(new Response(html)).text();
}

describe('the built story pages', async () => {
  const lockedPaths = env.TEST_STORIES.filter((story) => story.access !== 'free').map((story) => story.path);
  // Wherever the build put it: a full-text page is in the R2 archive.
  const page = builtText;
  const withoutMarkers = (html: string) => html.replace(/<!--\[\/?data-[\w-]+(=[\w.-]+)?\]-->/g, '');
  const keep = (wanted: string) => (value: string) => value === wanted && {};

  it('has locked stories to check', () => {
    expect(lockedPaths.length).toBeGreaterThan(0);
  });

  it.each(lockedPaths)('%s: every teaser a reader can get is what a full HTML parser makes of it', async (path) => {
    const html = await page(path);
    for (const reason of WALL_REASONS) {
      for (const refused of [true, false]) {
        const offers = offersFor({ lapsed: reason === 'lapsed' });
        const changes: [RegionHook, (value: string) => RegionChange][] = [
          // Experiments' regions as every control has them: the lines filled, the site's own words kept.
          [HOOKS.wallLine, () => ({ text: 'Filled in for an arm.' })],
          [HOOKS.experimentArm, (value) => value.startsWith('default.') && {}],
          [HOOKS.wallReason, keep(reason)],
          [HOOKS.giftRefused, () => refused && {}],
          [HOOKS.planOffer, (value) => keepsOfferRegion(offers, value) && {}],
        ];
        const spliced = changes.reduce((regions, [name, decide]) => regions.change(name, decide), new RegionPage(html)).toString();
        expect(spliced, `${reason}, gift refused: ${refused}`).toBe(await rewritten(withoutMarkers(html), changes));
        expect(spliced).not.toContain('<!--[');
      }
    }
  });

  it.each(lockedPaths)('%s: every full page a reader can get is what a full HTML parser makes of it', async (path) => {
    const html = await page(fullPathOf(path));
    for (const notice of [{ text: 'You have 2 free stories left this month.' }, false] as const) {
      // The rewriter leaves quotes in text as they are; the regions escape them too, which reads the same.
      for (const gift of [{ text: 'Asha & <Ravi>' }, false] as const) {
        for (const canGive of [true, false]) {
          const changes: [RegionHook, (value: string) => RegionChange][] = [
            [HOOKS.meterNotice, () => notice],
            [HOOKS.giftForm, () => canGive && {}],
            [HOOKS.giftFrom, () => gift],
            [HOOKS.giftNote, () => gift && {}],
          ];
          const spliced = changes.reduce((regions, [name, decide]) => regions.change(name, decide), new RegionPage(html)).toString();
          expect(spliced).toBe(await rewritten(withoutMarkers(html), changes));
          expect(spliced).not.toContain('<!--[');
        }
      }
    }
  });
});
