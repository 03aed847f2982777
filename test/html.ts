/** Helpers the leak tests share: what a reader would see of a page, and its sentences. */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The visible text of an HTML document or fragment: entities decoded, typographic quotes made
 * straight (the Markdown renderer curls them), whitespace folded.
 */
export function textOf(html: string): string {
  return plainQuotes(html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\s+/g, ' ')
    .trim());
}

export function plainQuotes(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"');
}

/** Sentences long enough to be unmistakable when they turn up somewhere else. */
export function sentencesOf(text: string, minLength = 40): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= minLength);
}

/** The locked part of a built full-text page: the `.paywalled-part` element, up to its own end tag. */
export function paywalledPartOf(html: string): string {
  const start = html.indexOf('<div class="paywalled-part">');
  if (start === -1) throw new Error('The full-text page has no .paywalled-part element');
  const tags = /<(\/?)div\b[^>]*>/g;
  tags.lastIndex = start;
  let depth = 0;
  for (let tag = tags.exec(html); tag; tag = tags.exec(html)) {
    depth += tag[1] ? -1 : 1;
    if (depth === 0) return html.slice(start, tags.lastIndex);
  }
  throw new Error('The .paywalled-part element is not closed');
}
