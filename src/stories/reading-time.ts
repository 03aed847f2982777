const WORDS_PER_MINUTE = 220;

/** Minutes to read the whole story: a number only, so no text of the story leaves the build this way. */
export function readingMinutes(body: string | undefined): number {
  const words = (body ?? '')
    .replace(/^import .*$/gm, '')
    .replace(/<[^>]+>/g, ' ')
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
}
