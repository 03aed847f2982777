// What the wall says for each reason, worked out from content/site.json as
// src/components/Wall.astro words it, so the journeys hold for any allowance.
import type { WallReason } from '../src/paywall/access.ts';
import { settings } from '../src/paywall/settings.ts';

const stories = (count: number) => `${count} free ${count === 1 ? 'story' : 'stories'}`;
const anonymous = settings.freeStoriesPerMonth;
const registered = settings.registeredStoriesPerMonth;

export const WALL_TITLES: Record<WallReason, string> = {
  register: `You have read your ${stories(anonymous)} for this month.`,
  // With a registration step, only readers with an account meet the plain limit: theirs is the larger one.
  limit: `You have read your ${stories(registered > 0 ? registered : anonymous)} for this month.`,
  premium: 'This story is for subscribers.',
  lapsed: 'Your subscription has ended.',
};

/** The wall an anonymous reader meets after their free stories: the offer of a free account, when there is one. */
export const ANONYMOUS_LIMIT: WallReason = registered > 0 ? 'register' : 'limit';
