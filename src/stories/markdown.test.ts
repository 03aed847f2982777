import { describe, expect, it } from 'vitest';
import { PAYWALL_MARKER } from '../paywall/teaser.ts';
import { asMarkdown, MARKDOWN_RULES } from './markdown.ts';

const lead = 'The first paragraph, which anyone may read.';
const rest = 'The second paragraph, behind the wall.';

describe('asMarkdown', () => {
  it('keeps a plain story as it is', () => {
    const body = `${lead}\n\n## A heading\n\n- a list\n- of *things*\n\n> a quote\n\n${rest}\n`;
    expect(asMarkdown(body)).toBe(body);
  });

  it('replaces a <Paywall /> line between blank lines with the marker', () => {
    expect(asMarkdown(`${lead}\n\n<Paywall />\n\n${rest}\n`)).toBe(`${lead}\n\n${PAYWALL_MARKER}\n\n${rest}\n`);
    expect(asMarkdown(`${lead}\r\n\r\n  <Paywall/>\r\n\r\n${rest}`)).toBe(`${lead}\n\n${PAYWALL_MARKER}\n\n${rest}`);
  });

  it('keeps code spans, links, emphasis, tables and ampersands', () => {
    const body = `A \`code\` span, a [link](https://example.com/a?b=1&c=2) & **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n`;
    expect(asMarkdown(body)).toBe(body);
  });

  it.each([
    ['a component', `${lead}\n\n<Chart data="x" />\n\n${rest}`],
    ['an HTML element', `${lead} <abbr title="x">X</abbr>\n\n${rest}`],
    ['an HTML comment', `${lead}\n\n<!-- note -->\n\n${rest}`],
    ['an autolink', `See <https://example.com>.`],
    ['an expression', `${lead} {1 + 1}`],
    ['an MDX comment', `${lead}\n\n{/* note */}\n\n${rest}`],
    ['a lone closing brace', `${lead} }`],
    ['an import', `import Chart from '../../src/components/Chart.astro';\n\n${lead}`],
    ['an export', `export const year = 2026;\n\n${lead}`],
    ['an indented code block', `${lead}\n\n    const x = 1;\n\n${rest}`],
    ['a tab-indented line', `${lead}\n\n\tconst x = 1;`],
    ['an image', `${lead}\n\n![A drain](./images/drains.png)`],
    ['a footnote', `${lead}[^1]\n\n[^1]: A note.`],
    ['a <Paywall /> line right under text', `${lead}\n<Paywall />\n\n${rest}`],
    ['a <Paywall /> line right above text', `${lead}\n\n<Paywall />\n${rest}`],
    ['a <Paywall /> inside a paragraph', `${lead} <Paywall /> ${rest}`],
    ['a leading thematic break', `---\n\n${lead}`],
  ])('leaves a body with %s to the MDX compiler', (_, body) => {
    expect(asMarkdown(body)).toBeUndefined();
  });

  it('names the marker in its rules, so a new marker drops the cached renders', () => {
    expect(MARKDOWN_RULES).toContain(PAYWALL_MARKER);
  });
});
