// Writes a whole publication into a content/ folder: settings, plans, sections, authors, emails
// and stories that share nothing with the demo (other slugs, sections, authors, plans, currency,
// time zone, allowances, gifts, feed length, sender, teaser length and page size). `npm run
// test:publication` builds and tests the project against it, which proves the suite holds for any
// publication, not only the demo.
//   node scripts/publication.ts <content-folder>
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What differs from the demo, so a test that quietly relies on a demo value fails here. */
export const GENERATED = {
  freeStoriesPerMonth: 5,
  registeredStoriesPerMonth: 8,
  teaserParagraphs: 3,
  listingPageSize: 4,
  feedItems: 12,
  gifts: { perMonth: 6, opensPerLink: 4, days: 20 },
};

const site = {
  name: 'The Fenland Ledger',
  tagline: 'Reporting from the towns of the fens',
  url: 'https://fenlandledger.example',
  locale: 'en-GB',
  currency: 'GBP',
  timeZone: 'Europe/London',
  ...GENERATED,
  session: { issuer: 'https://fenlandledger.example', audience: 'fenland-ledger-web' },
  subscriptionsEmail: 'members@fenlandledger.example',
  payments: { provider: 'stripe', graceDays: 5 },
};

const plans = {
  renewal: 'Renews until you stop it.',
  highlighted: 'yearly',
  plans: [
    { id: 'monthly', name: 'Monthly', price: 8, months: 1 },
    { id: 'yearly', name: 'Yearly', price: 80, months: 12 },
  ],
  offers: [
    { id: 'three-for-one', plan: 'monthly', for: 'everyone', price: 1, periods: 3, providers: { razorpay: 'offer_ThreeForOne' } },
    { id: 'come-back', plan: 'yearly', for: 'lapsed', price: 40, periods: 1, providers: { razorpay: 'offer_ComeBack40' } },
    { id: 'reader-gift', plan: 'monthly', for: 'code', trialDays: 7, price: 4, periods: 2, providers: { razorpay: 'offer_ReaderGift' } },
  ],
  codes: [{ code: 'Fenland-Friends', offer: 'reader-gift', expires: '2031-06-30T23:59:59+01:00', maxRedemptions: 50 }],
  includes: [
    { title: 'Every story', description: 'All our reporting, including the investigations.' },
    { title: 'The weekly briefing', description: 'A letter from the editor each Friday.' },
  ],
};

/**
 * Two experiments running around `now`, worded and numbered otherwise than the demo's: fewer free
 * stories in one arm (with uneven weights), and another highlighted plan with other wall words.
 */
function experiments(now: Date) {
  const day = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  return {
    experiments: [
      {
        id: 'fewer-free',
        start: day(-20),
        end: day(120),
        arms: [
          { name: 'as-usual', weight: 2 },
          { name: 'two-free', weight: 1, freeStoriesPerMonth: 2 },
        ],
      },
      {
        id: 'monthly-first',
        start: day(-3),
        end: day(60),
        arms: [
          { name: 'as-usual', weight: 1 },
          {
            name: 'monthly',
            weight: 1,
            highlightedPlan: 'monthly',
            wallCopy: { headline: 'The fens need reporters.', text: 'Pay monthly and keep our newsroom going.', button: 'Join monthly' },
          },
        ],
      },
    ],
  };
}

/** The sender and the two emails, worded otherwise than the demo's. */
const emails = {
  file: {
    from: { name: 'The Fenland Ledger', email: 'desk@fenlandledger.example' },
    subjects: { 'log-in': 'Log in to {{site}}', welcome: 'Welcome to {{site}}: confirm your address' },
  },
  parts: {
    'log-in.txt': 'Your {{site}} log-in link for {{email}}:\n\n{{link}}\n\nIt lasts {{minutes}} minutes and works once.\n',
    'log-in.html': '<p>Your {{site}} log-in link for {{email}}: <a href="{{link}}">log in</a>.</p><p>It lasts {{minutes}} minutes and works once.</p>\n',
    'welcome.txt': 'Confirm {{email}} for your free {{site}} account:\n\n{{link}}\n\nIt lasts {{minutes}} minutes and works once.\n',
    'welcome.html': '<p>Confirm {{email}} for your free {{site}} account: <a href="{{link}}">confirm</a>.</p><p>It lasts {{minutes}} minutes and works once.</p>\n',
  },
};

const sections = [
  { id: 'towns', name: 'Towns', description: 'Councils, roads and schools across the district.', defaultAccess: 'metered' },
  { id: 'farming', name: 'Farming', description: 'The land, the crops and the people who work them.', defaultAccess: 'metered' },
  { id: 'inquiries', name: 'Inquiries', description: 'Long investigations for members.', defaultAccess: 'premium' },
  { id: 'notices', name: 'Notices', description: 'Road closures, service changes and public notices.', defaultAccess: 'free' },
];

const authors = [
  { id: 'ada-wren', name: 'Ada Wren', role: 'Local government reporter', bio: 'Covers the district council and the parish councils.' },
  { id: 'jonah-reed', name: 'Jonah Reed', role: 'Farming correspondent', bio: 'Writes about agriculture, water and the land.' },
  { id: 'mira-holt', name: 'Mira Holt', role: 'Investigations editor', bio: 'Leads the inquiries desk.' },
];

const places = ['Ely', 'Wisbech', 'March', 'Whittlesey', 'Chatteris', 'Littleport', 'Soham', 'Ramsey'];
const subjects = ['drainage board', 'bus timetable', 'school roof', 'sugar beet harvest', 'river bank', 'market square', 'library hours', 'grain store'];

interface GeneratedStory {
  slug: string;
  section: string;
  author: string;
  access: 'free' | 'metered' | 'premium' | undefined;
  /** Where the teaser ends: at a `<Paywall />` marker, or after the settings' teaser paragraphs. */
  marker: boolean;
}

/**
 * Sixteen stories: free ones, more metered ones than the allowance (with and without a marker)
 * and premium ones, some taking their access from the section's default.
 */
function storyPlan(): GeneratedStory[] {
  const stories: GeneratedStory[] = [];
  for (let index = 0; index < 16; index++) {
    const place = places[index % places.length]!;
    const subject = subjects[(index * 3) % subjects.length]!;
    const kind = index % 8;
    const section = kind < 2 ? 'notices' : kind < 5 ? 'towns' : kind < 7 ? 'farming' : 'inquiries';
    stories.push({
      slug: `${place}-${subject}-${index + 1}`.toLowerCase().replaceAll(' ', '-'),
      section,
      author: authors[index % authors.length]!.id,
      // Every fourth story states its access; the rest take the section's default.
      access: index % 4 === 3 ? (section === 'notices' ? 'free' : section === 'inquiries' ? 'premium' : 'metered') : undefined,
      marker: index % 2 === 0,
    });
  }
  return stories;
}

const people = ['Ashdown', 'Barrowby', 'Coldham', 'Dunmore', 'Elsworth', 'Fordham', 'Gedney', 'Hilgay', 'Isleham', 'Jessop', 'Kempton', 'Lindley', 'Marholm', 'Newton', 'Outwell', 'Pymoor'];
const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh'];

/**
 * Sentences that no other paragraph of any story repeats (each names the story's own councillor
 * and the paragraph's place), so a test that looks for a locked sentence finds only that one.
 */
function paragraph(story: GeneratedStory, person: string, index: number): string {
  const [place, ...rest] = story.slug.split('-');
  const subject = rest.slice(0, -1).join(' ');
  const town = place![0]!.toUpperCase() + place!.slice(1);
  const ordinal = ordinals[index]!;
  return `In the ${ordinal} part of the report, councillor ${person} said the ${subject} in ${town} would change. ${person} gave the ${ordinal} figure as ${10 + index * 7} per cent of households.`;
}

function storySource(story: GeneratedStory, person: string, published: Date): string {
  const [place, ...rest] = story.slug.split('-');
  const town = place![0]!.toUpperCase() + place!.slice(1);
  const body = Array.from({ length: ordinals.length }, (_, index) => paragraph(story, person, index));
  if (story.marker) body.splice(2, 0, '<Paywall />');
  return [
    '---',
    `title: "${town}: councillor ${person} on the ${rest.slice(0, -1).join(' ')}"`,
    `standfirst: "What the change to the ${rest.slice(0, -1).join(' ')} means for ${town}."`,
    `published: ${published.toISOString()}`,
    `author: ${story.author}`,
    `section: ${story.section}`,
    ...(story.access ? [`access: ${story.access}`] : []),
    `tags: [${story.section === 'farming' ? 'harvest, water' : 'council'}]`,
    '---',
    '',
    body.join('\n\n'),
    '',
  ].join('\n');
}

/** Replaces `dir` with the generated publication. Stories are dated back from `now`, nine days apart. */
export function writePublication(dir: string, now = new Date()): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'authors'), { recursive: true });
  mkdirSync(join(dir, 'stories'), { recursive: true });
  mkdirSync(join(dir, 'emails'), { recursive: true });
  const json = (path: string, value: unknown) => writeFileSync(join(dir, path), `${JSON.stringify(value, null, 2)}\n`);
  json('site.json', site);
  json('plans.json', plans);
  json('experiments.json', experiments(now));
  json('sections.json', sections);
  json('emails/emails.json', emails.file);
  for (const [name, part] of Object.entries(emails.parts)) writeFileSync(join(dir, 'emails', name), part);
  for (const { id, ...author } of authors) json(`authors/${id}.json`, author);
  for (const [index, story] of storyPlan().entries()) {
    const published = new Date(now.getTime() - (index + 1) * 9 * 86_400_000);
    published.setUTCSeconds(0, 0);
    writeFileSync(join(dir, 'stories', `${story.slug}.mdx`), storySource(story, people[index]!, published));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [target] = process.argv.slice(2);
  if (!target) {
    console.error('Usage: node scripts/publication.ts <content-folder>   (the folder is replaced)');
    process.exit(2);
  }
  writePublication(resolve(target));
  console.log(`Wrote a generated publication to ${resolve(target)}.`);
}
