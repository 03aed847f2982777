// Requests to the real Worker on the real build, inside workerd, following redirects as a
// browser does. For the edge tests that send thousands of requests.
import { env } from 'cloudflare:workers';
import { app } from '../../functions/index.ts';
import { settings } from '../../src/paywall/settings.ts';
import { textOf } from '../html.ts';

/** The publication's own address, as readers reach it. */
export const ORIGIN = new URL(settings.url).origin;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Every status on the way, redirects included. */
  statuses: number[];
}

export async function request(path: string, init: RequestInit = {}): Promise<Answer> {
  // Concatenated, not resolved: a path such as //stories//x// must stay a path on this site.
  let url = new URL(`${ORIGIN}${path}`);
  const statuses: number[] = [];
  for (let hop = 0; hop < 6; hop++) {
    const response = await app.request(url.href, { ...init, redirect: 'manual' }, env);
    statuses.push(response.status);
    const location = response.headers.get('Location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (url.origin !== ORIGIN) throw new Error(`${path} redirected off the site, to ${url.href}`);
      continue;
    }
    return { status: response.status, headers: response.headers, text: textOf(await response.text()), statuses };
  }
  throw new Error(`${path} redirects in a loop: ${statuses.join(' → ')}`);
}

/** The locked sentences of every locked story, read from content/ in Node. */
export const lockedStories = env.TEST_STORIES.filter((story) => story.lockedSentences.length > 0);

export function leaksIn(text: string, stories = lockedStories): string[] {
  return stories.flatMap((story) => story.lockedSentences.filter((sentence) => text.includes(sentence)));
}
