// What the wall says for each reason, worked out from content/site.json as
// src/components/Wall.astro words it, so the journeys hold for any allowance.
import type { WallReason } from '../src/paywall/access.ts';
import { settings } from '../src/paywall/settings.ts';

const limit = settings.freeStoriesPerMonth;

export const WALL_TITLES: Record<WallReason, string> = {
  limit: `You have read your ${limit} free ${limit === 1 ? 'story' : 'stories'} for this month.`,
  premium: 'This story is for subscribers.',
  lapsed: 'Your subscription has ended.',
};
