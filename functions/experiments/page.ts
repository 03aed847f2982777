import type { Allowances, WallReason } from '../../src/paywall/access.ts';
import { HOOKS } from '../../src/paywall/contract.ts';
import { keepsRegion, type Assignment, type Experiment } from '../../src/paywall/experiments.ts';
import { wallMessages } from '../../src/paywall/wall.ts';
import type { RegionPage } from '../pages/regions.ts';

/**
 * A teaser as a reader's arms have it: the wall lines that name an allowance filled with the
 * arm's numbers, the arm's wall words and highlighted plan kept, and every other arm's cut. With
 * no arms (experiments off, ended, a crawler, any failure) it is the site's own wall.
 */
export function withArms(page: RegionPage, assignment: Assignment, running: readonly Experiment[], allowances: Allowances): RegionPage {
  const messages = wallMessages(allowances);
  return page
    .change(HOOKS.wallLine, (value) => {
      const [reason, part] = value.split('.') as [WallReason, 'title' | 'body'];
      const text = messages[reason]?.[part];
      return text === undefined ? {} : { text };
    })
    .change(HOOKS.experimentArm, (value) => keepsRegion(value, assignment, running) && {});
}
