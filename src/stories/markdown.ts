/**
 * Most stories are plain Markdown with one `<Paywall />` line. Compiling each of them as an MDX
 * module through Vite is where a large archive's build spends most of its time and memory, so
 * those stories are rendered by the content layer's Markdown renderer instead, once, and stored
 * with their HTML. A story that uses anything only MDX has (components, expressions, imports,
 * exports, HTML) keeps the MDX path. The rules below pick only bodies that both renderers turn
 * into the same HTML.
 */
import { PAYWALL_MARKER } from '../paywall/teaser.ts';

const PAYWALL_LINE = /^[ \t]*<Paywall\s*\/>[ \t]*$/;

/** Lines that mean something different in MDX than in Markdown, or that only MDX understands. */
const MDX_ONLY = [
  /[<{}]/, // JSX, HTML, comments, autolinks and expressions
  /^(?:import|export)\s/, // ESM
  /^(?: {4}|\t)/, // MDX has no indented code blocks
  /!\[|\[\^/, // images and footnotes are compiled differently by the two renderers
];

/**
 * Changes whenever the rules or the marker change, so the content layer's cache of rendered
 * stories is dropped and every story is sorted again.
 */
export const MARKDOWN_RULES = ['v1', PAYWALL_LINE.source, ...MDX_ONLY.map((rule) => rule.source), PAYWALL_MARKER].join('\n');

/**
 * The story body as Markdown, with its `<Paywall />` line (alone, between blank lines) replaced by
 * the paywall marker; or undefined when the body needs the MDX compiler.
 */
export function asMarkdown(body: string): string | undefined {
  if (/^\s*---/.test(body)) return undefined; // would be read as frontmatter
  const lines = body.split(/\r?\n/);
  const out: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (PAYWALL_LINE.test(line)) {
      const before = lines[index - 1] ?? '';
      const after = lines[index + 1] ?? '';
      if (before.trim() || after.trim()) return undefined; // MDX would make it part of a paragraph
      out.push(PAYWALL_MARKER);
      continue;
    }
    if (MDX_ONLY.some((rule) => rule.test(line))) return undefined;
    out.push(line);
  }
  return out.join('\n');
}
