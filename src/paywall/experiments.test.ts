import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../test/refusal.ts';
import {
  experimentsFile,
  experimentsFileSchema,
  experimentsMet,
  keepsRegion,
  meterCapacity,
  armsFromString,
  armsToString,
  runningOn,
  treatmentOf,
  variablesOf,
  type Experiment,
} from './experiments.ts';
import { plansFile } from './plans.ts';
import { allowancesOf, settings } from './settings.ts';

// Fixtures of the test's own, built from whatever content/ holds: its plans and its allowances.
const anonymous = settings.freeStoriesPerMonth;
const otherAnonymous = anonymous > 0 ? anonymous - 1 : anonymous + 1;
const plan = plansFile.plans.at(-1)!.id;

function file(...experiments: unknown[]) {
  return { experiments };
}

function experiment(id: string, start: string, end: string, arm: Record<string, unknown>): Record<string, unknown> {
  return { id, start, end, arms: [{ name: 'control', weight: 1 }, { name: 'other', weight: 1, ...arm }] };
}

const problems = (raw: unknown) => refusalOf(experimentsFileSchema, raw, 'content/experiments.json');

describe('content/experiments.json', () => {
  it('accepts what content/ holds, and an empty list', () => {
    expect(experimentsFile.experiments.every((declared) => declared.arms.length >= 2)).toBe(true);
    expect(experimentsFileSchema.parse(file()).experiments).toEqual([]);
  });

  it.each([
    ['a date that rolls over', file(experiment('x', '2027-02-30', '2027-03-31', { freeStoriesPerMonth: otherAnonymous })), ['experiments.0.start', 'real calendar day']],
    ['an end before the start', file(experiment('x', '2027-03-01', '2027-02-01', { freeStoriesPerMonth: otherAnonymous })), ['experiments.0.end', 'before the start']],
    ['a control that varies something', file({ id: 'x', start: '2027-01-01', end: '2027-02-01', arms: [{ name: 'a', weight: 1, freeStoriesPerMonth: otherAnonymous }, { name: 'b', weight: 1, freeStoriesPerMonth: otherAnonymous }] }), ['experiments.0.arms.0', 'the control']],
    ['an arm that varies nothing', file(experiment('x', '2027-01-01', '2027-02-01', {})), ['experiments.0.arms.1', 'say what this arm changes']],
    ['an unknown plan', file(experiment('x', '2027-01-01', '2027-02-01', { highlightedPlan: 'no-such-plan' })), ['experiments.0.arms.1.highlightedPlan', '"no-such-plan" is not the id of a plan']],
    ['an offer that is not one', file(experiment('x', '2027-01-01', '2027-02-01', { offer: 'no-such-offer' })), ['experiments.0.arms.1.offer', '"no-such-offer" is not an offer for experiments’ arms']],
    ['a zero weight', file(experiment('x', '2027-01-01', '2027-02-01', { weight: 0, freeStoriesPerMonth: otherAnonymous })), ['experiments.0.arms.1.weight']],
    ['an unknown variable', file(experiment('x', '2027-01-01', '2027-02-01', { paywallColour: 'red' })), ['experiments.0.arms.1', 'paywallColour']],
    ['wall copy without its button', file(experiment('x', '2027-01-01', '2027-02-01', { wallCopy: { headline: 'Support us.', text: 'Please.' } })), ['experiments.0.arms.1.wallCopy.button']],
    ['an id used twice', file(experiment('x', '2027-01-01', '2027-01-31', { freeStoriesPerMonth: otherAnonymous }), experiment('x', '2027-03-01', '2027-03-31', { highlightedPlan: plan })), ['experiments.1.id', 'used twice']],
    [
      'two experiments on one variable at once',
      file(experiment('first', '2027-01-01', '2027-02-15', { highlightedPlan: plan }), experiment('second', '2027-02-15', '2027-03-31', { highlightedPlan: plan })),
      ['experiments.1.start', 'runs at the same time as "first"', 'highlightedPlan'],
    ],
    [
      'an allowance no larger with an account',
      file(experiment('x', '2027-01-01', '2027-02-01', { freeStoriesPerMonth: 50, registeredStoriesPerMonth: 50 })),
      ['experiments.0.arms.1.registeredStoriesPerMonth'],
    ],
  ])('refuses %s, naming the file and the field', (_, raw, expected) => {
    const message = problems(raw);
    expect(message).toContain('content/experiments.json is not valid');
    for (const text of expected) expect(message).toContain(text);
  });

  const notForArms = plansFile.offers.find((offer) => offer.for !== 'arm');
  it.skipIf(!notForArms)('refuses an arm’s offer that content/plans.json keeps for other readers (a win-back, a code’s)', () => {
    const message = problems(file(experiment('x', '2027-01-01', '2027-02-01', { offer: notForArms!.id })));
    expect(message).toContain('experiments.0.arms.1.offer');
    expect(message).toContain(`"${notForArms!.id}" is not an offer for experiments’ arms`);
  });

  it('lets experiments on different variables, or one after another, run', () => {
    const parsed = experimentsFileSchema.parse(
      file(
        experiment('first', '2027-01-01', '2027-01-31', { highlightedPlan: plan }),
        experiment('second', '2027-02-01', '2027-02-28', { highlightedPlan: plan }),
        experiment('third', '2027-01-01', '2027-02-28', { wallCopy: { headline: 'Support us.', text: 'Please.', button: 'Join' } }),
      ),
    );
    expect(runningOn('2027-01-31', parsed).map((declared) => declared.id)).toEqual(['first', 'third']);
    expect(runningOn('2027-02-01', parsed).map((declared) => declared.id)).toEqual(['second', 'third']);
    expect(runningOn('2027-03-01', parsed)).toEqual([]);
  });
});

describe('what arms give a reader', () => {
  const parsed = experimentsFileSchema.parse(
    file(
      experiment('allowance', '2027-01-01', '2027-01-31', { freeStoriesPerMonth: otherAnonymous }),
      experiment('words', '2027-01-01', '2027-01-31', { wallCopy: { headline: 'Support us.', text: 'Please.', button: 'Join' } }),
    ),
  );
  const [allowance, words] = parsed.experiments as [Experiment, Experiment];

  it('gives the site’s own everything in the control, and the arm’s allowance in the other arm', () => {
    expect(treatmentOf(new Map(), parsed.experiments).allowances).toEqual(allowancesOf());
    expect(treatmentOf(new Map([['allowance', 'control']]), parsed.experiments).allowances).toEqual(allowancesOf());
    expect(treatmentOf(new Map([['allowance', 'other']]), parsed.experiments).allowances.anonymous).toBe(otherAnonymous);
    expect(treatmentOf(new Map([['allowance', 'other']]), []).allowances).toEqual(allowancesOf());
    expect(treatmentOf(new Map(), []).highlightedPlan).toBe(plansFile.highlighted);
  });

  it('keeps exactly one version of each thing on the wall', () => {
    const running = parsed.experiments;
    expect(keepsRegion('default.wallCopy', new Map([['words', 'control']]), running)).toBe(true);
    expect(keepsRegion('words.other', new Map([['words', 'control']]), running)).toBe(false);
    expect(keepsRegion('default.wallCopy', new Map([['words', 'other']]), running)).toBe(false);
    expect(keepsRegion('words.other', new Map([['words', 'other']]), running)).toBe(true);
    // An experiment that is not running keeps the site's own.
    expect(keepsRegion('words.other', new Map([['words', 'other']]), [allowance])).toBe(false);
    expect(keepsRegion('default.wallCopy', new Map([['words', 'other']]), [allowance])).toBe(true);
  });

  it('meets allowance experiments at the meter notice and a wall that names them, wall words on every wall', () => {
    expect(variablesOf(allowance)).toEqual(['freeStoriesPerMonth']);
    expect(experimentsMet(parsed.experiments, { meter: true })).toEqual([allowance]);
    expect(experimentsMet(parsed.experiments, { wall: 'limit' })).toEqual([allowance, words]);
    expect(experimentsMet(parsed.experiments, { wall: 'lapsed' })).toEqual([words]);
    expect(experimentsMet(parsed.experiments, { wall: 'premium' })).toEqual([words]);
  });

  it('sizes the meter for the largest allowance of any arm', () => {
    const large = experimentsFileSchema.parse(file(experiment('x', '2027-01-01', '2027-01-31', { freeStoriesPerMonth: 40, registeredStoriesPerMonth: 49 })));
    expect(meterCapacity(large)).toBe(49);
    expect(meterCapacity(experimentsFileSchema.parse(file()))).toBe(Math.max(...Object.values(allowancesOf())));
  });

  it('writes arms as a string and reads back only declared ones', () => {
    const arms = new Map([['allowance', 'other'], ['words', 'control']]);
    expect(armsFromString(armsToString(arms), parsed)).toEqual(arms);
    expect(armsFromString('allowance=nope,unknown=other,words=other', parsed)).toEqual(new Map([['words', 'other']]));
    expect(armsFromString(undefined, parsed)).toEqual(new Map());
  });
});
