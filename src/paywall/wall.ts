import type { Allowances, WallReason } from './access.ts';

/** A wall message: its headline and the line under it. */
export interface WallMessage {
  title: string;
  body: string;
}

const stories = (count: number) => `${count} free ${count === 1 ? 'story' : 'stories'}`;

/**
 * The wall's message for each reason, for a reader with these allowances. The build prints them
 * for the site's allowances; the edge fills the lines that name a number for a reader whose
 * experiment arm has other allowances (HOOKS.wallLine). With a registration step
 * (registeredStoriesPerMonth), a reader without an account who has used their free stories is
 * offered a free account above the plans.
 */
export function wallMessages({ anonymous, registered }: Allowances): Partial<Record<WallReason, WallMessage>> {
  // With a registration step, only readers with an account meet the plain limit: theirs is the larger one.
  const limit = registered > 0 ? registered : anonymous;
  const more = registered - anonymous;
  return {
    ...(registered > 0 && {
      register: {
        title: `You have read your ${stories(anonymous)} for this month.`,
        body: `Create a free account with just your email, and read ${more} more ${more === 1 ? 'story' : 'stories'} this month.`,
      },
    }),
    limit: {
      title: `You have read your ${stories(limit)} for this month.`,
      body: 'Subscribe to keep reading this one, and everything else we publish.',
    },
    premium: {
      title: 'This story is for subscribers.',
      body: 'Our premium reporting is paid for by readers. Choose a plan to read it in full.',
    },
    lapsed: {
      title: 'Your subscription has ended.',
      body: 'Renew to pick up where you left off. Your account is still here.',
    },
  };
}

/** The reasons whose message names an allowance, and so changes with an arm's allowances. */
export const COUNTED_REASONS: readonly WallReason[] = ['register', 'limit'];

/** The reasons whose message asks for a subscription, and so takes an arm's wall copy. */
export const SUBSCRIBE_REASONS: readonly WallReason[] = ['limit', 'premium'];
