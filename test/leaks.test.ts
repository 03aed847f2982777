import { beforeAll, describe, expect, it } from 'vitest';
import { plansFile } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { sourceStories } from './content.ts';
import { builtFiles } from './dist.ts';
import { Reader } from './reader.ts';

// Every locked sentence, against every route and every built file, as an anonymous reader whose
// allowance is used up. The same sentences must reach a subscriber, or this test proves nothing.
const locked = sourceStories().filter((story) => story.access !== 'free');
// The anonymous reader below spends the allowance on these; they stay open to that reader.
const alreadyRead = locked.filter((story) => story.access === 'metered').slice(0, settings.freeStoriesPerMonth);
const walled = locked.filter((story) => !alreadyRead.includes(story));

function leaks(text: string, stories = walled): string[] {
  return stories.flatMap((story) => story.lockedSentences.filter((sentence) => text.includes(sentence)));
}

describe('locked text', () => {
  const anonymous = new Reader();

  beforeAll(async () => {
    for (const story of alreadyRead) await anonymous.get(story.path);
  });

  it('never reaches an anonymous reader through any built file', async () => {
    for (const file of builtFiles()) {
      const page = await anonymous.get(file);
      expect(page.status, file).toBeLessThan(500);
      expect(leaks(page.text), file).toEqual([]);
    }
  });

  it('never reaches a reader with no cookies through any built file, even the stories others have read', async () => {
    for (const file of builtFiles().filter((path) => !alreadyRead.some((story) => path.startsWith(story.path)))) {
      expect(leaks((await new Reader().get(file)).text, alreadyRead), file).toEqual([]);
    }
  });

  it('never reaches an anonymous reader on the walled stories, in any spelling', async () => {
    for (const story of walled) {
      for (const path of [story.path, story.path.slice(0, -1), `${story.path}index.html`, `/full${story.path}`, `/full${story.path}index.html`]) {
        const page = await anonymous.get(path);
        expect(page.status, path).toBeLessThan(500);
        expect(leaks(page.text), path).toEqual([]);
      }
    }
  });

  it('reaches a subscriber, so the checks above can fail', async () => {
    const subscriber = Reader.withToken('--plan', plansFile.plans[0]!.id);
    for (const story of locked) {
      const page = await subscriber.get(story.path);
      expect(leaks(page.text, [story]), story.slug).toEqual(story.lockedSentences);
    }
  });
});
