import { z } from 'zod';
import raw from '../../content/experiments.json' with { type: 'json' };
import { largestAllowance, type Allowances, type WallReason } from './access.ts';
import { parseDataFile } from './config-error.ts';
import { isCalendarDay } from './dates.ts';
import { plansFile, type PlansFile } from './plans.ts';
import { allowancesOf, settings, type Settings } from './settings.ts';
import { COUNTED_REASONS } from './wall.ts';

/**
 * Experiments on the allowance and the wall, declared in `content/experiments.json` and read by
 * the build (which puts each arm's wall copy and highlighted plan in the teaser as regions) and
 * the edge (which assigns readers to arms and keeps one arm's regions). An experiment runs from
 * the start of its `start` day to the end of its `end` day, in the site's time zone; outside those
 * days everyone gets its control, the first arm, which is the site as content/ has it.
 */

const DEFAULT_REGION = 'default';

/** What an arm may vary. At most one running experiment varies each. */
export const VARIABLES = ['freeStoriesPerMonth', 'registeredStoriesPerMonth', 'wallCopy', 'highlightedPlan', 'offer'] as const;
export type Variable = (typeof VARIABLES)[number];

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and hyphens, at most 40');
const day = z.string().refine(isCalendarDay, 'write a real calendar day as YYYY-MM-DD, in the site’s time zone');
const allowance = z.int('use a whole number of stories').min(0).max(50);

const armSchema = z.strictObject({
  name,
  /** The arm's share of readers, relative to the other arms' weights. */
  weight: z.int('use a whole number, e.g. 1').min(1).max(1000),
  freeStoriesPerMonth: allowance.optional(),
  registeredStoriesPerMonth: allowance.optional(),
  /** The words of the wall that asks for a subscription (the allowance used up, or a premium story) and of the plan cards' buttons. */
  wallCopy: z
    .strictObject({
      headline: z.string().trim().min(1).max(120),
      text: z.string().trim().min(1).max(400),
      button: z.string().trim().min(1).max(40),
    })
    .optional(),
  /** The plan the wall highlights instead of plans.json's `highlighted`. */
  highlightedPlan: z.string().optional(),
  /** An offer on the wall, by its id in content/plans.json's offers. */
  offer: name.optional(),
});

const experimentSchema = z.strictObject({
  id: name.refine((id) => id !== DEFAULT_REGION, '"default" names the site’s own wall in built pages: choose another id'),
  /** What the newsroom wants to learn, shown on the results page. */
  question: z.string().trim().min(1).max(200).optional(),
  start: day,
  end: day,
  /** The first arm is the control: the site as content/ has it, so it varies nothing. */
  arms: z.array(armSchema).min(2, 'give a control and at least one other arm').max(10),
});

export type Arm = z.infer<typeof armSchema>;
export type Experiment = z.infer<typeof experimentSchema>;

/** The variables an arm sets. */
export function variablesOfArm(arm: Arm): Variable[] {
  return VARIABLES.filter((variable) => arm[variable] !== undefined);
}

/** What an experiment varies: whatever any of its arms sets. */
export function variablesOf(experiment: Experiment): Variable[] {
  return VARIABLES.filter((variable) => experiment.arms.some((arm) => arm[variable] !== undefined));
}

/** The arms' allowances: the arm's own where it sets one, otherwise the site's. */
export function allowancesOfArm(arm: Arm | undefined, site: Pick<Settings, 'freeStoriesPerMonth' | 'registeredStoriesPerMonth'> = settings): Allowances {
  const base = allowancesOf(site);
  return { anonymous: arm?.freeStoriesPerMonth ?? base.anonymous, registered: arm?.registeredStoriesPerMonth ?? base.registered };
}

/** The schema of content/experiments.json, checked against a site's settings and plans. */
export function experimentsSchemaFor(site: Settings, plans: PlansFile) {
  return z
    .strictObject({ experiments: z.array(experimentSchema) })
    .superRefine((file, ctx) => {
      const planIds = plans.plans.map((plan) => plan.id);
      file.experiments.forEach((experiment, index) => {
        const at = (...path: (string | number)[]) => ['experiments', index, ...path];
        if (file.experiments.findIndex((other) => other.id === experiment.id) !== index) {
          ctx.addIssue({ code: 'custom', path: at('id'), message: `experiment id "${experiment.id}" is used twice` });
        }
        if (experiment.end < experiment.start) {
          ctx.addIssue({ code: 'custom', path: at('end'), message: `the end (${experiment.end}) is before the start (${experiment.start})` });
        }
        experiment.arms.forEach((arm, armIndex) => {
          if (experiment.arms.findIndex((other) => other.name === arm.name) !== armIndex) {
            ctx.addIssue({ code: 'custom', path: at('arms', armIndex, 'name'), message: `arm name "${arm.name}" is used twice in this experiment` });
          }
          if (armIndex === 0 && variablesOfArm(arm).length) {
            ctx.addIssue({
              code: 'custom',
              path: at('arms', 0),
              message: `the first arm is the control, the site as content/ has it: remove ${variablesOfArm(arm).join(', ')} from it`,
            });
          }
          if (armIndex > 0 && !variablesOfArm(arm).length) {
            ctx.addIssue({ code: 'custom', path: at('arms', armIndex), message: `say what this arm changes: one or more of ${VARIABLES.join(', ')}` });
          }
          if (arm.highlightedPlan !== undefined && !planIds.includes(arm.highlightedPlan)) {
            ctx.addIssue({
              code: 'custom',
              path: at('arms', armIndex, 'highlightedPlan'),
              message: `"${arm.highlightedPlan}" is not the id of a plan in content/plans.json (ids: ${planIds.join(', ')})`,
            });
          }
          if (arm.offer !== undefined) {
            const offer = plans.offers.find((candidate) => candidate.id === arm.offer);
            const forArms = plans.offers.filter((candidate) => candidate.for === 'arm').map((candidate) => candidate.id);
            if (offer?.for !== 'arm') {
              ctx.addIssue({
                code: 'custom',
                path: at('arms', armIndex, 'offer'),
                message: `"${arm.offer}" is not an offer for experiments’ arms in content/plans.json (offers with "for": "arm": ${forArms.join(', ') || 'none'})`,
              });
            }
          }
          const { anonymous, registered } = allowancesOfArm(arm, site);
          if ((registered === 0) !== (site.registeredStoriesPerMonth === 0)) {
            ctx.addIssue({
              code: 'custom',
              path: at('arms', armIndex, 'registeredStoriesPerMonth'),
              message: 'an arm cannot turn the registration step on or off: that is content/site.json’s registeredStoriesPerMonth',
            });
          } else if (registered !== 0 && registered <= anonymous) {
            ctx.addIssue({
              code: 'custom',
              path: at('arms', armIndex, arm.registeredStoriesPerMonth === undefined ? 'freeStoriesPerMonth' : 'registeredStoriesPerMonth'),
              message: `a free account must give more than the ${anonymous} stories readers get without one (it gives ${registered})`,
            });
          }
        });
        // At most one running experiment per variable: otherwise a reader's result could come from either.
        file.experiments.slice(0, index).forEach((earlier) => {
          const shared = variablesOf(experiment).filter((variable) => variablesOf(earlier).includes(variable));
          if (shared.length && experiment.start <= earlier.end && earlier.start <= experiment.end) {
            ctx.addIssue({
              code: 'custom',
              path: at('start'),
              message: `runs at the same time as "${earlier.id}" (${earlier.start} to ${earlier.end}), which also varies ${shared.join(', ')}: let one end before the other starts`,
            });
          }
        });
      });
    });
}

export const experimentsFileSchema = experimentsSchemaFor(settings, plansFile);
export type ExperimentsFile = z.infer<typeof experimentsFileSchema>;

/** The experiments from `content/experiments.json`: the build and the edge both read this one copy. */
export const experimentsFile: ExperimentsFile = parseDataFile(experimentsFileSchema, raw, 'content/experiments.json');

/** Whether an experiment runs on a local day (YYYY-MM-DD in the site's time zone). Both ends count. */
export function isRunning(experiment: Experiment, day: string): boolean {
  return experiment.start <= day && day <= experiment.end;
}

/** The experiments running on a local day. */
export function runningOn(day: string, file: ExperimentsFile = experimentsFile): Experiment[] {
  return file.experiments.filter((experiment) => isRunning(experiment, day));
}

/** The experiments whose variants a page built on `day` must carry: every one that has not ended. */
export function builtOn(day: string, file: ExperimentsFile = experimentsFile): Experiment[] {
  return file.experiments.filter((experiment) => day <= experiment.end);
}

/** The most metered stories any reader's meter may hold, in any arm. */
export function meterCapacity(file: ExperimentsFile = experimentsFile, site: Settings = settings): number {
  const arms = file.experiments.flatMap((experiment) => experiment.arms);
  return Math.max(...[undefined, ...arms].map((arm) => largestAllowance(allowancesOfArm(arm, site))));
}

/** A region's value for one arm of one experiment: `<experiment>.<arm>` (names hold no dots). */
export function armRegionValue(experiment: string, arm: string): string {
  return `${experiment}.${arm}`;
}

/** What varies on the wall, as the teaser carries it in regions. */
export type WallVariable = Extract<Variable, 'wallCopy' | 'highlightedPlan'>;

/** A region's value for the site's own version of a wall variable, kept when no arm of the reader's sets it. */
export function defaultRegionValue(variable: WallVariable): string {
  return `${DEFAULT_REGION}.${variable}`;
}

/**
 * Whether a reader's page keeps the region of `value`: their own arm's variant of a running
 * experiment, or the site's own version where none of their arms sets that variable. Everything
 * else is cut, so one arm's words never reach another arm's reader.
 */
export function keepsRegion(value: string, assignment: Assignment, running: readonly Experiment[]): boolean {
  const [experiment, arm] = value.split('.');
  if (experiment === DEFAULT_REGION) return !running.some((candidate) => armOf(candidate, assignment)[arm as WallVariable] !== undefined);
  const declared = running.find((candidate) => candidate.id === experiment);
  return declared !== undefined && armOf(declared, assignment).name === arm;
}

/** The arm of each experiment a reader is in, by experiment id. */
export type Assignment = ReadonlyMap<string, string>;

/** What a reader's arms change, with the site's own values for everything no arm of theirs sets. */
export interface Treatment {
  allowances: Allowances;
  highlightedPlan: string | undefined;
  /** An offer id, checked against content/plans.json's offers where the wall is decided. */
  offer: string | undefined;
}

/** The arm a reader is in, or the control when they are in none. */
export function armOf(experiment: Experiment, assignment: Assignment): Arm {
  return experiment.arms.find((arm) => arm.name === assignment.get(experiment.id)) ?? experiment.arms[0]!;
}

/** What the running experiments give a reader with these arms. */
export function treatmentOf(assignment: Assignment, running: readonly Experiment[], site: Settings = settings, plans: PlansFile = plansFile): Treatment {
  const arms = running.map((experiment) => armOf(experiment, assignment));
  const pick = <K extends Variable>(variable: K): Arm[K] | undefined => arms.find((arm) => arm[variable] !== undefined)?.[variable];
  const base = allowancesOf(site);
  return {
    allowances: { anonymous: pick('freeStoriesPerMonth') ?? base.anonymous, registered: pick('registeredStoriesPerMonth') ?? base.registered },
    highlightedPlan: pick('highlightedPlan') ?? plans.highlighted,
    offer: pick('offer'),
  };
}

/**
 * Arms as one short string (`id=arm,id=arm`) for records that carry strings (a checkout, a log-in
 * link), and back. Reading back keeps only experiments and arms the file declares.
 */
export function armsToString(assignment: Assignment): string {
  return [...assignment].map(([experiment, arm]) => `${experiment}=${arm}`).join(',');
}

export function armsFromString(value: unknown, file: ExperimentsFile = experimentsFile): Map<string, string> {
  const arms = new Map<string, string>();
  if (typeof value !== 'string' || value.length > 1000) return arms;
  for (const pair of value.split(',')) {
    const [experiment, arm] = pair.split('=');
    const declared = file.experiments.find((candidate) => candidate.id === experiment);
    if (declared && declared.arms.some((candidate) => candidate.name === arm)) arms.set(experiment!, arm!);
  }
  return arms;
}

/**
 * The running experiments a reader meets: at the meter notice above a metered story, those that
 * vary an allowance; at the wall, those whose variable that wall shows (the numbers in a
 * `register` or `limit` message, and on every wall the plan cards: their buttons' words, their
 * highlight and the offer).
 */
export function experimentsMet(running: readonly Experiment[], where: { meter: true } | { wall: WallReason }): Experiment[] {
  const shown: Variable[] =
    'meter' in where
      ? ['freeStoriesPerMonth', 'registeredStoriesPerMonth']
      : [
          ...(COUNTED_REASONS.includes(where.wall) ? (['freeStoriesPerMonth', 'registeredStoriesPerMonth'] as const) : []),
          'wallCopy',
          'highlightedPlan',
          'offer',
        ];
  return running.filter((experiment) => variablesOf(experiment).some((variable) => shown.includes(variable)));
}
