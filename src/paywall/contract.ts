/**
 * The contract between the build and the edge: every name, path, selector and line of copy that
 * the pages Astro writes and the Worker that serves them must spell the same. Both sides import
 * it; neither spells these on its own, so a rename here cannot leave one side behind.
 */

/** Cookies the edge sets. Host-only, HTTPS-only, out of reach of scripts, Lax. */
export const COOKIES = {
  /** The signed session token (a JWT): who the reader is and what they subscribe to. */
  session: 'paywall_session',
  /** The signed meter: which metered stories this browser has read this month. */
  meter: 'paywall_meter',
  /** Binds a checkout to the browser that started it, for the return from the payment page. */
  checkout: 'paywall_checkout',
  /**
   * A one-time log-in link's token, moved here from the link's URL when the link is opened, until
   * the reader presses "Log in". Email scanners that open links get it too, and never press.
   */
  loginLink: 'paywall_login_link',
  /**
   * The story of a gift opened in this browser, signed, for 30 days: a registration or a
   * subscription that follows is counted for it. It grants nothing.
   */
  giftAttribution: 'paywall_gift_story',
  /**
   * A random id this browser is assigned to experiments' arms by while it has no account, and the
   * arms it has been counted as exposed to, signed (functions/experiments). It grants nothing.
   */
  experiments: 'paywall_experiments',
} as const;

/** Where stories are published: `/stories/<slug>/`. */
export const STORY_PREFIX = '/stories';

/** Every path below this prefix holds locked text (or the edge's own files); only the edge may read it. */
export const FULL_PREFIX = '/full';

/** The build's list of stories (an index and shards, src/paywall/manifest.ts), read by the edge; refused to every outside request. */
export const MANIFEST_PREFIX = '/paywall-manifest';

export function manifestIndexPath(): string {
  return `${MANIFEST_PREFIX}/index.json`;
}

export function manifestShardPath(shard: number): string {
  return `${MANIFEST_PREFIX}/${shard}.json`;
}

/**
 * The list of built files that live in the R2 archive instead of the static assets
 * (src/paywall/archive.ts): an index and shards, read by the edge like the manifest, and refused
 * to every outside request like it.
 */
export function archiveIndexPath(): string {
  return `${MANIFEST_PREFIX}/archive/index.json`;
}

export function archiveShardPath(shard: number): string {
  return `${MANIFEST_PREFIX}/archive/${shard}.json`;
}

/** Where the site's search index is served: its newest bundle, and older ones below it (scripts/search-index.ts). */
export const SEARCH_PREFIX = '/pagefind/';

/**
 * Whether a path is one of Pagefind's per-page search fragments, in the newest bundle or an
 * archive bundle (`/pagefind/archive/<n>/`): an old story's fragment may live in the R2 archive.
 */
export function isSearchFragmentPath(path: string): boolean {
  return /^\/pagefind\/(?:archive\/\d+\/)?fragment\/[^/]+$/.test(path);
}

/** Every story's title, section and author, for the newsroom only: read whole, so it is kept apart from the shards stories are served by. */
export function manifestStoryListPath(): string {
  return `${MANIFEST_PREFIX}/stories.json`;
}

/** The newsroom's dashboard and its CSVs: for staff only, the site's 404 for everyone else. */
export const NEWSROOM_PREFIX = '/newsroom';

/** The build's full-text feed of the latest stories, which the edge serves at each subscriber's private address. */
export const PRIVATE_FEED_PATH = `${FULL_PREFIX}/feed.xml`;

/** The build's emails (sender, subjects, text and HTML parts), checked when the site is built. */
export const EMAILS_PATH = `${FULL_PREFIX}/emails.json`;

/** Pages the edge fills in or serves itself. */
export const PAGES = {
  login: '/login/',
  account: '/account/',
  subscribe: '/subscribe/',
  checkoutReturn: '/subscribe/return/',
  password: '/account/password/',
  /** Posted an email address: send a one-time log-in link (the log-in page, the registration offer). */
  emailLink: '/login/email/',
  /** Where a log-in link leads (with its token), and the one-button page that uses it. */
  loginLink: '/login/link/',
  /** A subscriber makes a gift link here (POST), and sees it once made. */
  gifts: '/account/gifts/',
  revokeGift: '/account/gifts/revoke/',
  /** A subscriber makes (or replaces) their private feed's address. */
  feed: '/account/feed/',
  search: '/search/',
  notFound: '/404.html',
  /** The shell of the newsroom's dashboard, which the edge fills for staff. */
  newsroom: '/newsroom/',
  /** The shell of the experiments' results (content/experiments.json), which the edge fills for staff. */
  newsroomExperiments: '/newsroom/experiments/',
} as const;

/** The query parameter of a log-in link that holds its one-time token. */
export const LOGIN_LINK_PARAM = 'token';

/** How long a log-in link works. */
export const LOGIN_LINK_MINUTES = 15;

/** The query parameter of a gift link (`/stories/<slug>/?gift=…`) that holds the signed gift. */
export const GIFT_PARAM = 'gift';

/** Who a gift is from when the giver gives no name: neutral, and never their email. */
export const GIFT_DEFAULT_FROM = 'A subscriber';

/** Private feeds live at `/feeds/<token>.xml`: the address is the secret. */
export const FEEDS_PREFIX = '/feeds/';

/**
 * A page that lists the emails the Worker sent, with their links, for local use. It exists only
 * while the Worker has LOCAL_OUTBOX set, which `npm start` and the tests set and production never does.
 */
export const LOCAL_OUTBOX_PATH = '/local/outbox/';

export function storyPath(slug: string): string {
  return `${STORY_PREFIX}/${slug}/`;
}

export function fullPathOf(publicPath: string): string {
  return `${FULL_PREFIX}${publicPath}`;
}

/**
 * Attributes the build puts in pages for the edge to find: with an HTMLRewriter, or on story pages
 * as regions (RegionHook below). In an Astro component, spread them: `<p {...{ [HOOKS.meterNotice]: '' }} hidden />`.
 */
export const HOOKS = {
  /** The line above a metered story's full text that says how many free stories are left. */
  meterNotice: 'data-meter-notice',
  /** One wall message per reason (its value); the edge keeps the one that applies. */
  wallReason: 'data-wall-reason',
  /** A story card in a listing, holding its story's path, so the edge can hide it under embargo. */
  storyCard: 'data-story',
  /**
   * The card's story's publication time in seconds: what the edge hides the card by when it
   * cannot read the manifest's list of pending embargoes.
   */
  storyPublishAt: 'data-publish-at',
  /** The login form's error line. */
  loginError: 'data-login-error',
  /** The account page's fields and actions, filled in or removed per reader. */
  accountField: 'data-account',
  /** One block of the checkout return page per outcome (its value); the edge keeps the one that applies. */
  checkoutState: 'data-checkout',
  /** Fields of those blocks the edge fills in: the plan, links, and the retry form's inputs. */
  checkoutField: 'data-checkout-field',
  /** Parts of the log-in link pages the edge fills in or keeps: the address, the states. */
  loginLinkField: 'data-login-link',
  /** On a full page, the form a subscriber makes a gift link with; the edge keeps it for subscribers only. */
  giftForm: 'data-gift-form',
  /** On a full page, the note and the plans a gift's recipient sees; the edge keeps it for a gift only. */
  giftNote: 'data-gift-note',
  /** Where the gift note names who gave the story. */
  giftFrom: 'data-gift-from',
  /** On a teaser, the note for a gift link that no longer opens the story; the edge keeps it then. */
  giftRefused: 'data-gift-refused',
  /** The page that shows a new gift link: its fields. */
  giftField: 'data-gift',
  /**
   * On the wall, one price block per plan and offer its card can show (value `plan.offer`, or
   * `plan.full`); the edge keeps the one chosen for the reader (src/paywall/offers.ts).
   */
  planOffer: 'data-plan-offer',
  /** The newsroom's dashboard: where the edge puts the period's figures. */
  newsroom: 'data-newsroom',
  /**
   * On a teaser, one variant per arm of an experiment on the wall (`<experiment>.<arm>`): the edge
   * keeps the reader's arm's and cuts the others (src/paywall/experiments.ts).
   */
  experimentArm: 'data-experiment-arm',
  /** On a teaser, a wall message's line that names an allowance (`<reason>.title`, `<reason>.body`), filled per arm. */
  wallLine: 'data-wall-line',
} as const;

/** The outcomes of a checkout, as the return page shows them. */
export const CHECKOUT_STATES = ['pending', 'welcome', 'set-password', 'confirm-email', 'log-in', 'duplicate', 'unpaid', 'unmatched', 'unconfirmed', 'unavailable'] as const;
export type CheckoutStateName = (typeof CHECKOUT_STATES)[number];

/** The element that holds a story's locked part in its full page, named in its structured data. */
export const LOCKED_PART_CLASS = 'paywalled-part';

/**
 * A story page's own copy of its publication time (seconds), in `<meta name=…>`, for the one case
 * where the edge cannot read the manifest and must still keep an embargoed story back.
 */
export const PUBLISH_AT_META = 'paywall:publish-at';

/**
 * The hooks of a story page, the edge's busiest response: each such element is also wrapped in
 * comments, `<!--[data-wall-reason=premium]-->…<!--[/data-wall-reason]-->`, so the edge keeps,
 * fills or cuts it by searching the page's text rather than parsing its HTML (functions/pages/regions.ts).
 */
export type RegionHook =
  | typeof HOOKS.wallReason
  | typeof HOOKS.meterNotice
  | typeof HOOKS.giftForm
  | typeof HOOKS.giftNote
  | typeof HOOKS.giftFrom
  | typeof HOOKS.giftRefused
  | typeof HOOKS.experimentArm
  | typeof HOOKS.wallLine
  | typeof HOOKS.planOffer;

/** The comment that opens a region, naming its hook and the hook's value, if it has one. */
export function regionStart(name: RegionHook, value?: string): string {
  return `<!--[${name}${value === undefined ? '' : `=${value}`}]-->`;
}

/** The comment that closes a region. */
export function regionEnd(name: RegionHook): string {
  return `<!--[/${name}]-->`;
}

/** `[data-…]`, a CSS selector for a hook. */
export function hook(name: (typeof HOOKS)[keyof typeof HOOKS], value?: string): string {
  return value === undefined ? `[${name}]` : `[${name}="${value}"]`;
}

/** The line above a metered story that tells the reader how many free stories are left. */
export function meterNotice(remaining: number, counted: boolean): string {
  if (remaining > 0) return `You have ${remaining} free ${remaining === 1 ? 'story' : 'stories'} left this month.`;
  if (counted) return 'This is your last free story this month. Subscribe to keep reading without limits.';
  return 'You have used this month’s free stories. The ones you have opened stay free to reread.';
}
