import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { COOKIES, HOOKS, meterNotice } from '../../src/paywall/contract.ts';
import { localDayOf } from '../../src/paywall/dates.ts';
import {
  armRegionValue,
  experimentsFileSchema,
  runningOn,
  treatmentOf,
  variablesOf,
  type Experiment,
  type ExperimentsFile,
} from '../../src/paywall/experiments.ts';
import { offerTerms } from '../../src/paywall/offers.ts';
import { findPlan, plansFile } from '../../src/paywall/plans.ts';
import { allowancesOf } from '../../src/paywall/settings.ts';
import { queue } from '../../test/edge/analytics.ts';
import { storiesWith, storyWith } from '../../test/edge/publication.ts';
import { Browser, uniqueEmail } from '../../test/edge/payments.ts';
import { addAccount, bindingsWith, Outbox, Reader, subscriber } from '../../test/edge/readers.ts';
import type { AppEnv } from '../env.ts';
import { withOffers } from '../offers/index.ts';
import { RegionPage } from '../pages/regions.ts';
import { finish } from '../response/index.ts';
import { session } from '../session/request.ts';
import { accountReaderId, armFor, assign, assignmentOf, browserReaderId, enrolmentOf } from './index.ts';
import { withArms } from './page.ts';

// Assignment to the experiments content/experiments.json runs today, through the real Worker on the
// real build. The suites run with EXPERIMENTS off; these tests turn it on. Arms are never named
// here: they are read from the file, and a reader's arm from what the Worker gave them.

const bindings = { ...env, EXPERIMENTS: 'on' } as Env;
const running = runningOn(localDayOf(new Date()));
const allowanceExperiment = running.find((experiment) => variablesOf(experiment).includes('freeStoriesPerMonth'));
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** The 99% quantiles of the chi-square distribution, by degrees of freedom (an experiment has at most 10 arms). */
const CHI_SQUARE_99 = [NaN, 6.635, 9.21, 11.345, 13.277, 15.086, 16.812, 18.475, 20.09, 21.666];

/** The experiment cookie's browser id, read from its (signed, not secret) claims. */
function browserIdOf(browser: Browser): string | undefined {
  const value = browser.jar.get(COOKIES.experiments);
  if (!value) return undefined;
  const claims = JSON.parse(atob(value.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { i: string };
  return claims.i;
}

/** How many free stories a month the meter notice on a full page says this reader has, counting the one just read. */
function allowanceShown(html: string): number | undefined {
  const notice = new RegExp(`<p[^>]*${HOOKS.meterNotice}[^>]*>([^<]*)</p>`).exec(html)?.[1];
  if (!notice) return undefined;
  for (let remaining = 0; remaining <= 50; remaining++) if (notice.includes(meterNotice(remaining, true))) return remaining;
  return undefined;
}

/** A new browser reads one metered story: the allowance its notice shows (this read included), and the browser. */
async function firstRead(headers: Record<string, string> = {}, bindingsUsed: Env = bindings): Promise<{ browser: Browser; allowance: number | undefined; html: string }> {
  const [story] = await storiesWith('metered');
  const browser = new Browser(bindingsUsed);
  const html = await (await browser.request(story!.path, { headers })).text();
  const remaining = allowanceShown(html);
  return { browser, allowance: remaining === undefined ? undefined : remaining + 1, html };
}

/** A small app with the real session middleware that answers with the asker's enrolment. */
function probe(file?: ExperimentsFile) {
  const app = new Hono<AppEnv>();
  app.use('*', finish, session);
  app.get('*', async (c) => {
    const enrolment = await enrolmentOf(c, c.get('session')?.reader ?? { kind: 'anonymous' }, new Date(), file);
    const treatment = treatmentOf(assignmentOf(enrolment), enrolment.running);
    return c.json(enrolment.enrolled ? { readerId: enrolment.readerId, arms: Object.fromEntries(enrolment.assignment), treatment } : { why: enrolment.why, treatment });
  });
  return async (browser: Browser | undefined, headers: Record<string, string> = {}) => {
    const response = await app.request('https://probe.example/stories/any/', { headers: { ...(browser ? { Cookie: browser.cookie() } : {}), ...headers } }, bindings);
    return (await response.json()) as { readerId?: string; arms?: Record<string, string>; why?: string; treatment: ReturnType<typeof treatmentOf> };
  };
}

describe('assignment to arms', () => {
  const fixture: Pick<Experiment, 'id' | 'arms'> = {
    id: 'fixture-split',
    arms: [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 2, freeStoriesPerMonth: 1 },
      { name: 'c', weight: 3, freeStoriesPerMonth: 2 },
      { name: 'd', weight: 4, freeStoriesPerMonth: 3 },
    ],
  };

  it.each([fixture, ...running])('splits 10,000 generated ids by the weights of $id, within a chi-square test at 99%', async (experiment) => {
    const observed = new Map(experiment.arms.map((arm) => [arm.name, 0]));
    for (let index = 0; index < 10_000; index++) {
      const arm = await armFor(experiment, browserReaderId(`generated-${index}`));
      observed.set(arm, observed.get(arm)! + 1);
    }
    const total = experiment.arms.reduce((sum, arm) => sum + arm.weight, 0);
    const chiSquare = experiment.arms.reduce((sum, arm) => {
      const expected = (10_000 * arm.weight) / total;
      return sum + (observed.get(arm.name)! - expected) ** 2 / expected;
    }, 0);
    expect(chiSquare).toBeLessThan(CHI_SQUARE_99[experiment.arms.length - 1]!);
  });

  it('gives the same id the same arm every time, and ids apart from accounts', async () => {
    const first = await assign(running, browserReaderId('same-reader'));
    expect(await assign(running, browserReaderId('same-reader'))).toEqual(first);
    expect(accountReaderId('x')).not.toBe(browserReaderId('x'));
  });
});

describe.skipIf(!allowanceExperiment)('the allowance experiment at the edge', () => {
  const experiment = allowanceExperiment!;
  const expectedAllowance = async (readerId: string) =>
    treatmentOf(new Map([[experiment.id, await armFor(experiment, readerId)]]), running).allowances.anonymous;

  it('gives each browser the allowance of the arm its id falls in, and reaches every arm', async () => {
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 40; attempt++) {
      const { browser, allowance } = await firstRead();
      const id = browserIdOf(browser);
      expect(id, 'a browser that met the experiment keeps an id').toBeDefined();
      expect(allowance).toBe(await expectedAllowance(browserReaderId(id!)));
      seen.add(allowance!);
    }
    const allowances = new Set(experiment.arms.map((arm) => treatmentOf(new Map([[experiment.id, arm.name]]), running).allowances.anonymous));
    expect(seen).toEqual(allowances);
  });

  it('keeps a browser in its arm across sessions: a later visit with the same cookies', async () => {
    const { browser, allowance } = await firstRead();
    const id = browserIdOf(browser)!;
    const later = new Browser(bindings);
    for (const [name, value] of browser.jar) later.jar.set(name, value);
    const [, second] = await storiesWith('metered');
    if (!second || allowance! < 2) return;
    const html = await (await later.get(second.path)).text();
    expect(allowanceShown(html)).toBe(allowance! - 2);
    expect(browserIdOf(later)).toBe(id);
  });

  it('counts an exposure once per browser, with its arm and nothing about the reader', async () => {
    const analytics = queue();
    const counted = { ...bindings, ANALYTICS: analytics.binding } as Env;
    const { browser } = await firstRead({}, counted);
    const id = browserIdOf(browser)!;
    for (const story of (await storiesWith('metered')).slice(1, 3)) await browser.get(story.path);
    const exposures = analytics.counted('experiment').filter((count) => count.experiment === experiment.id);
    expect(exposures).toEqual([{ event: 'experiment', experiment: experiment.id, arm: await armFor(experiment, browserReaderId(id)), step: 'exposure' }]);
    expect(JSON.stringify(analytics.sent)).not.toContain(id);
  });

  it('gives crawlers the control, sets them no cookie and counts nothing for them', async () => {
    const analytics = queue();
    const counted = { ...bindings, ANALYTICS: analytics.binding } as Env;
    for (let attempt = 0; attempt < 20; attempt++) {
      const { browser, allowance } = await firstRead({ 'User-Agent': GOOGLEBOT }, counted);
      expect(allowance).toBe(allowancesOf().anonymous);
      expect(browser.jar.has(COOKIES.experiments)).toBe(false);
    }
    expect(analytics.counted('experiment')).toEqual([]);
    expect((await probe()(undefined, { 'User-Agent': GOOGLEBOT })).why).toBe('crawler');
  });

  it('gives every reader the control when assignment fails, and still serves the story', async () => {
    const broken = { ...bindings, SIGNING_SECRET: 'too short' } as Env;
    for (let attempt = 0; attempt < 10; attempt++) {
      const { browser, allowance } = await firstRead({}, broken);
      expect(allowance).toBe(allowancesOf().anonymous);
      expect(browser.jar.has(COOKIES.experiments)).toBe(false);
    }
  });
});

describe.skipIf(!running.length)('readers with an account, and subscribers', () => {
  it('assigns a reader with an account by the account, on every device, before and after logging in again', async () => {
    const outbox = new Outbox();
    const email = uniqueEmail('experiments');
    const accountId = await addAccount(email);
    const ask = probe();
    const arms = Object.fromEntries(await assign(running, accountReaderId(accountId)));
    for (let device = 0; device < 3; device++) {
      const reader = new Reader(bindingsWith(outbox, { EXPERIMENTS: 'on' }));
      // Each device has its own browser id first, from a metered story read without an account.
      const [story] = await storiesWith('metered');
      if (story) await reader.get(story.path);
      await reader.logInByLink(outbox, email);
      const answer = await ask(reader);
      expect(answer.readerId).toBe(accountReaderId(accountId));
      expect(answer.arms).toEqual(arms);
    }
  });

  it('never enrols a subscriber: no cookie, no arm, nothing counted', async () => {
    const analytics = queue();
    const outbox = new Outbox();
    const { reader } = await subscriber(outbox);
    const counting = new Reader(bindingsWith(outbox, { EXPERIMENTS: 'on', ANALYTICS: analytics.binding }));
    for (const [name, value] of reader.jar) counting.jar.set(name, value);
    for (const story of await storiesWith('metered')) await counting.get(story.path);
    expect(counting.jar.has(COOKIES.experiments)).toBe(false);
    expect(analytics.counted('experiment')).toEqual([]);
    expect((await probe()(counting)).why).toBe('subscriber');
  });
});

describe('an experiment that has ended, or not begun', () => {
  const today = localDayOf(new Date());
  const dayFrom = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const fixture = (start: string, end: string) =>
    experimentsFileSchema.parse({
      experiments: [
        {
          id: 'fixture-ended',
          start,
          end,
          arms: [
            { name: 'control', weight: 1 },
            { name: 'other', weight: 1000, freeStoriesPerMonth: allowancesOf().anonymous + 1, wallCopy: { headline: 'Fixture headline.', text: 'Fixture text.', button: 'Fixture' } },
          ],
        },
      ],
    });

  it.each([
    ['ended yesterday', fixture(dayFrom(-40), dayFrom(-2))],
    ['starting in a week', fixture(dayFrom(7), dayFrom(40))],
  ])('serves its control when it %s', async (_, file) => {
    expect(runningOn(today, file)).toEqual([]);
    const answer = await probe(file)(new Browser(bindings));
    expect(answer.why).toBe('nothing-running');
    expect(answer.treatment.allowances).toEqual(allowancesOf());
  });

  it('serves the arm while it runs', async () => {
    const file = fixture(dayFrom(-3), dayFrom(3));
    const answer = await probe(file)(new Browser(bindings));
    // The other arm weighs 1000 to the control's 1: a fresh browser is all but certain to land in it.
    expect(answer.arms).toEqual({ 'fixture-ended': 'other' });
    expect(answer.treatment.allowances.anonymous).toBe(allowancesOf().anonymous + 1);
  });
});

describe('the teaser in every arm', () => {
  /** The built teaser of a metered (or else premium) story, as the assets hold it. */
  async function builtTeaser(): Promise<string> {
    const story = (await storiesWith('metered'))[0] ?? (await storyWith('premium'));
    // The public file itself, before the edge keeps any arm: read from the assets.
    const asset = await env.ASSETS.fetch(new Request(new URL(story.path, 'https://assets.example')));
    expect(asset.status).toBe(200);
    return asset.text();
  }
  const jsonLd = (html: string) => [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((match) => match[1]);
  const beforeWall = (html: string) => html.slice(0, html.indexOf('<section class="wall"'));
  const armWords = (experiment: Experiment) => experiment.arms.flatMap((arm) => (arm.wallCopy ? [arm.wallCopy.headline, arm.wallCopy.text, arm.wallCopy.button] : []));

  it('keeps one arm’s words and plan, the same teaser and structured data, and the page within 1 KB of the control’s', async () => {
    const html = await builtTeaser();
    const control = withArms(new RegionPage(html), new Map(), [], allowancesOf()).toString();
    expect(control).not.toContain(`<!--[${HOOKS.experimentArm}`);
    for (const experiment of running) {
      for (const arm of experiment.arms) {
        const assignment = new Map([[experiment.id, arm.name]]);
        const page = withArms(new RegionPage(html), assignment, running, treatmentOf(assignment, running).allowances).toString();
        expect(page).not.toContain(`<!--[${HOOKS.experimentArm}`);
        expect(beforeWall(page)).toBe(beforeWall(control));
        expect(jsonLd(page)).toEqual(jsonLd(control));
        expect(Math.abs(page.length - control.length)).toBeLessThanOrEqual(1024);
        const own = arm.wallCopy ? [arm.wallCopy.headline, arm.wallCopy.text, arm.wallCopy.button] : [];
        const others = armWords(experiment).filter((words) => !own.includes(words));
        for (const words of others) expect(page).not.toContain(words);
        for (const words of own) expect(page).toContain(words);
        if (arm.wallCopy) expect(page).toContain(`${HOOKS.experimentArm}="${armRegionValue(experiment.id, arm.name)}"`);
      }
    }
  });

  const offerExperiments = running.filter((experiment) => variablesOf(experiment).includes('offer'));
  it.skipIf(!offerExperiments.length)('shows an arm’s offer, in exact money, to that arm’s readers only', async () => {
    const html = await builtTeaser();
    // As the edge serves a teaser: the arms' regions, then the offers' blocks around them.
    const served = (assignment: Map<string, string>) =>
      withOffers(withArms(new RegionPage(html), assignment, running, treatmentOf(assignment, running).allowances), {
        lapsed: false,
        override: treatmentOf(assignment, running).offer,
      }).toString();
    for (const experiment of offerExperiments) {
      const control = served(new Map([[experiment.id, experiment.arms[0]!.name]]));
      for (const arm of experiment.arms.filter((candidate) => candidate.offer)) {
        const offer = plansFile.offers.find((candidate) => candidate.id === arm.offer)!;
        const terms = offerTerms(offer, findPlan(offer.plan)!);
        const page = served(new Map([[experiment.id, arm.name]]));
        expect(page, arm.name).toContain(terms);
        expect(page).toContain(`name="offer" value="${offer.id}"`);
        expect(control, 'the control never sees it').not.toContain(terms);
        expect(control).not.toContain(`value="${offer.id}"`);
        expect(Math.abs(page.length - control.length)).toBeLessThanOrEqual(1024);
      }
    }
  });
});
