import { env } from 'cloudflare:workers';
import { COOKIES } from '../../src/paywall/contract.ts';
import { describe, expect, it } from 'vitest';
import { usedUpMeter } from './publication.ts';
import { signSession } from '../../functions/session/index.ts';
import { sessionKeys } from '../../functions/session/keys.ts';
import { leaksIn, lockedStories, request } from './client.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { random as generator } from '../../scripts/bench/random.ts';

// Thousands of random and mutated Cookie headers against locked stories. Each answer must be the
// teaser with status 200 or a clean 4xx: never a 5xx, never a locked sentence. The mutations
// start from a real subscriber token and a real meter, so they probe the verification itself.

const SEED = 20261124;
const ROUNDS = 3000;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Printable ASCII only (headers carry bytes, and Fetch refuses the rest) and no white space: a
// cookie parser rightly trims spaces around a value, which would leave the token intact.
const ODD = ['=', ';', ',', '"', '\\', '%', '%00', '%C3%A9', '%E2%80%AE', '.', '..', '{', '}', '[]', 'null', '0', '$', '!'];

describe('fuzzed cookies', () => {
  it(`${ROUNDS} mutated Cookie headers never unlock a story or break the edge`, async () => {
    const random = generator(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const token = await signSession(
      { subject: 'fuzz', plan: plansFile.plans[0]!.id, planEnds: new Date(Date.now() + 86_400_000), lifetime: 3600 },
      await sessionKeys(env),
      new Date(),
    );
    const meter = await usedUpMeter();

    /** A change to the token that must invalidate it (never the last character of a part, whose spare bits may not count). */
    const mutate = (value: string): string => {
      const parts = value.split('.');
      switch (Math.floor(random() * 8)) {
        case 0:
          return value.slice(0, Math.floor(random() * value.length));
        case 1: {
          const part = Math.floor(random() * parts.length);
          const at = Math.floor(random() * Math.max(1, parts[part]!.length - 1));
          const chars = [...parts[part]!];
          chars[at] = pick([...BASE64URL].filter((char) => char !== chars[at]));
          parts[part] = chars.join('');
          return parts.join('.');
        }
        case 2:
          return parts.slice(0, 2).join('.');
        case 3:
          return [...parts.slice(0, 2), ''].join('.');
        case 4: // Not ';', which would end the cookie and leave the token whole.
          return `${value}${pick(ODD.filter((odd) => !odd.includes(';')))}${'A'.repeat(Math.floor(random() * 9000))}`;
        case 5:
          return [parts[1], parts[0], parts[2]].join('.');
        case 6:
          return Array.from({ length: Math.floor(random() * 200) }, () => pick([...BASE64URL])).join('');
        default:
          return `${pick(ODD)}${value}`;
      }
    };

    const cookieHeader = (): string => {
      const pairs = [`${COOKIES.meter}=${random() < 0.5 ? meter : mutate(meter)}`];
      const copies = 1 + Math.floor(random() * 3);
      for (let copy = 0; copy < copies; copy++) pairs.push(`${COOKIES.session}=${mutate(token)}`);
      if (random() < 0.2) pairs.push(`${pick(ODD)}=${pick(ODD)}`);
      if (random() < 0.1) pairs.push(pick(ODD));
      return pairs.sort(() => random() - 0.5).join(pick(['; ', ';', ' ; ', ';;']));
    };

    for (let round = 0; round < ROUNDS; round++) {
      const story = pick(lockedStories);
      const header = cookieHeader();
      const answer = await request(story.path, { headers: { Cookie: header } });
      const where = `round ${round} (seed ${SEED}), ${story.path}, Cookie: ${header.length > 1200 ? `${header.slice(0, 1200)}…` : header}`;
      expect(answer.status === 200 || (answer.status >= 400 && answer.status < 500), where).toBe(true);
      expect(leaksIn(answer.text, [story]), where).toEqual([]);
    }
  });

  it('the unmutated token does unlock the story, so the mutations are what keep it shut', async () => {
    const token = await signSession(
      { subject: 'fuzz', plan: plansFile.plans[0]!.id, planEnds: new Date(Date.now() + 86_400_000), lifetime: 3600 },
      await sessionKeys(env),
      new Date(),
    );
    const story = lockedStories[0]!;
    const answer = await request(story.path, { headers: { Cookie: `${COOKIES.session}=${token}` } });
    expect(leaksIn(answer.text, [story])).toEqual(story.lockedSentences);
  });
});
