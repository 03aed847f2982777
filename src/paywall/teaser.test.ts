import { describe, expect, it } from 'vitest';
import { PAYWALL_MARKER, splitAtPaywall, TeaserError } from './teaser.ts';

const p = (text: string) => `<p>${text}</p>\n`;

describe('splitAtPaywall', () => {
  it('cuts at the marker', () => {
    const html = p('one') + PAYWALL_MARKER + p('two');
    expect(splitAtPaywall(html, 2)).toEqual({ lead: p('one'), rest: p('two') });
  });

  it('cuts after the first paragraphs when there is no marker', () => {
    const html = `<h2>Heading</h2>\n${p('one')}${p('two')}${p('three')}`;
    const { lead, rest } = splitAtPaywall(html, 2);
    expect(lead).toBe(`<h2>Heading</h2>\n<p>one</p>\n<p>two</p>`);
    expect(rest.trim()).toBe('<p>three</p>');
  });

  it('does not count paragraphs nested in a quote as top-level paragraphs', () => {
    const quote = `<blockquote>\n${p('quoted')}${p('also quoted')}</blockquote>\n`;
    const { lead, rest } = splitAtPaywall(p('one') + quote + p('two') + p('three'), 2);
    expect(lead).toBe(p('one') + quote + p('two').trim());
    expect(rest.trim()).toBe('<p>three</p>');
  });

  it('ignores void elements and comments when counting', () => {
    const html = `<p>one<br>line</p><!-- <p> --><hr><p>two <img src="x.png" alt=""></p><p>three</p>`;
    expect(splitAtPaywall(html, 2).rest).toBe('<p>three</p>');
  });

  it.each([
    ['two markers', p('a') + PAYWALL_MARKER + p('b') + PAYWALL_MARKER + p('c'), 'more than one'],
    ['a marker first', PAYWALL_MARKER + p('a'), 'before any text'],
    ['a marker last', p('a') + PAYWALL_MARKER, 'nothing after'],
    ['too short to cut', p('a') + p('b'), 'fewer than 3 paragraphs'],
  ])('refuses %s', (_, html, message) => {
    expect(() => splitAtPaywall(html, 2)).toThrow(TeaserError);
    expect(() => splitAtPaywall(html, 2)).toThrow(message);
  });
});
