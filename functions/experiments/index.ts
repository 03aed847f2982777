import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Allowances, Reader } from '../../src/paywall/access.ts';
import { COOKIES } from '../../src/paywall/contract.ts';
import { localDayOf } from '../../src/paywall/dates.ts';
import { armRegionValue, experimentsFile, runningOn, treatmentOf, type Assignment, type Experiment, type ExperimentsFile } from '../../src/paywall/experiments.ts';
import { allowancesOf } from '../../src/paywall/settings.ts';
import { isCrawler } from '../analytics/crawlers.ts';
import type { AppEnv } from '../env.ts';
import { cookieToSet, setCookie } from '../response/index.ts';
import { sign, verify } from '../signed/index.ts';

/**
 * Who is in which arm of the running experiments (content/experiments.json), decided at the edge.
 *
 * - A reader with an account is assigned by the account (the session's subject), on every device
 *   and in every session. A reader without one is assigned by a random id this browser keeps in
 *   its own signed cookie (COOKIES.experiments). Logging in therefore moves a reader from the
 *   browser's arm to the account's, once, and for good: the account's arm is what every later
 *   visit on any device gets, so an account's results are never split across arms.
 * - The arm is the first 32 bits of SHA-256(experiment id, reader id), laid over the arms' weights:
 *   uniform, and the same for the same reader every time, with nothing stored per reader.
 * - Subscribers are never enrolled: nothing is varied for them and they are not counted.
 *   Crawlers (./analytics/crawlers.ts, the README's crawler policy) always get the control, so
 *   search engines see one site. Neither rule grants anything: a header can only force the control.
 * - Any failure on the way gives the control: an arm only ever changes an allowance or the wall's
 *   words, never whether the edge serves a story.
 */

const PURPOSE = 'experiments';
/** How long a browser keeps its id and the experiments it has met: longer than any experiment should run. */
const COOKIE_SECONDS = 180 * 86_400;

/** The browser's id and the arms it has been counted as exposed to (`<experiment>.<arm>`). */
export interface ExperimentCookie {
  id: string;
  exposed: string[];
}

/** Who a reader is for assignment, or why they are not enrolled. */
export type Enrolment =
  | { enrolled: true; readerId: string; assignment: Assignment; running: Experiment[]; cookie: ExperimentCookie }
  | { enrolled: false; why: 'off' | 'subscriber' | 'crawler' | 'nothing-running' | 'failed'; running: Experiment[] };

/** Whether this Worker runs experiments: EXPERIMENTS = "off" gives every reader every control, and counts nothing. */
export function experimentsOn(env: Env): boolean {
  return env.EXPERIMENTS !== 'off';
}

/** The experiments running now for this Worker: none when experiments are off. */
export function runningNow(env: Env, now: Date, file: ExperimentsFile = experimentsFile): Experiment[] {
  return experimentsOn(env) ? runningOn(localDayOf(now), file) : [];
}

/** The arm of `experiment` for a reader id: a SHA-256 of both, by the arms' weights. */
export async function armFor(experiment: Pick<Experiment, 'id' | 'arms'>, readerId: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${experiment.id}\n${readerId}`));
  const total = experiment.arms.reduce((sum, arm) => sum + arm.weight, 0);
  // A 32-bit value times a total of at most 10,000 stays exact in a double.
  let point = Math.floor((new DataView(digest).getUint32(0) * total) / 2 ** 32);
  for (const arm of experiment.arms) {
    if (point < arm.weight) return arm.name;
    point -= arm.weight;
  }
  return experiment.arms[0]!.name;
}

/** The arm of each running experiment for a reader id. */
export async function assign(running: readonly Experiment[], readerId: string): Promise<Map<string, string>> {
  const assignment = new Map<string, string>();
  for (const experiment of running) assignment.set(experiment.id, await armFor(experiment, readerId));
  return assignment;
}

/** The reader id of an account: apart from browser ids, so the two can never collide. */
export function accountReaderId(subject: string): string {
  return `account:${subject}`;
}

export function browserReaderId(id: string): string {
  return `browser:${id}`;
}

function newBrowserId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** This browser's experiment cookie, as this response will leave it, if it verifies. */
async function cookieOf(c: Context<AppEnv>): Promise<ExperimentCookie | undefined> {
  const value = cookieToSet(c, COOKIES.experiments) ?? getCookie(c, COOKIES.experiments);
  const claims = await verify(c.env.SIGNING_SECRET, PURPOSE, value);
  const id = claims?.['i'];
  const exposed = claims?.['x'];
  if (typeof id !== 'string' || !/^[\w-]{16,64}$/.test(id)) return undefined;
  const names = Array.isArray(exposed) ? exposed.filter((name): name is string => typeof name === 'string').slice(0, 50) : [];
  return { id, exposed: names };
}

/** Keeps the browser's id and exposures, signed, for another COOKIE_SECONDS. */
export async function keepCookie(c: Context<AppEnv>, cookie: ExperimentCookie): Promise<void> {
  setCookie(c, COOKIES.experiments, await sign(c.env.SIGNING_SECRET, PURPOSE, { i: cookie.id, x: cookie.exposed }, COOKIE_SECONDS), COOKIE_SECONDS);
}

/**
 * The reader's arms in the experiments running today. A browser without a valid cookie is given
 * an id here, kept in its cookie at once (unless `keepNew` is false): an id that could not be kept
 * would put the reader in a new arm on every request, so failing to sign it is a failure, and
 * gives every control.
 */
export async function enrolmentOf(c: Context<AppEnv>, reader: Reader, now: Date, file: ExperimentsFile = experimentsFile, keepNew = true): Promise<Enrolment> {
  if (!experimentsOn(c.env)) return { enrolled: false, why: 'off', running: [] };
  const running = runningOn(localDayOf(now), file);
  if (!running.length) return { enrolled: false, why: 'nothing-running', running };
  if (reader.kind === 'subscriber') return { enrolled: false, why: 'subscriber', running };
  if (isCrawler(c.req.header('User-Agent'))) return { enrolled: false, why: 'crawler', running };
  try {
    let cookie = await cookieOf(c);
    if (!cookie) {
      cookie = { id: newBrowserId(), exposed: [] };
      if (keepNew) await keepCookie(c, cookie);
    }
    const subject = c.get('session')?.subject;
    const readerId = subject ? accountReaderId(subject) : browserReaderId(cookie.id);
    return { enrolled: true, readerId, assignment: await assign(running, readerId), running, cookie };
  } catch (error) {
    console.error('experiments: assignment failed; this reader gets every control:', error);
    return { enrolled: false, why: 'failed', running };
  }
}

/**
 * The allowances of an account's arms, for merging its meter when it logs in (functions/meter):
 * the account's reader id decides, as it does on every story. Failures give the site's.
 */
export async function accountAllowances(env: Env, accountId: string, now: Date): Promise<Allowances> {
  try {
    const running = runningNow(env, now);
    return treatmentOf(await assign(running, accountReaderId(accountId)), running).allowances;
  } catch (error) {
    console.error('experiments: the account’s arms could not be told; its meter uses the site’s allowances:', error);
    return allowancesOf();
  }
}

/** The arms of an enrolment, or none (every control). */
export function assignmentOf(enrolment: Enrolment): Assignment {
  return enrolment.enrolled ? enrolment.assignment : new Map();
}

/** An experiment and the arm a reader met it in. */
export interface Exposure {
  experiment: string;
  arm: string;
}

/**
 * The arms among `met` this browser meets for the first time: each is remembered in its cookie,
 * so it is counted once. A reader whose arm changes on logging in meets the account's arm afresh.
 */
export async function exposeTo(c: Context<AppEnv>, enrolment: Enrolment, met: readonly Experiment[]): Promise<Exposure[]> {
  if (!enrolment.enrolled) return [];
  const exposures = met.map((experiment) => ({ experiment: experiment.id, arm: enrolment.assignment.get(experiment.id) ?? experiment.arms[0]!.name }));
  const fresh = exposures.filter(({ experiment, arm }) => !enrolment.cookie.exposed.includes(armRegionValue(experiment, arm)));
  if (!fresh.length) return [];
  // Only experiments still running are kept: ended ones drop out, so the cookie stays small.
  const running = new Set(enrolment.running.map((experiment) => experiment.id));
  enrolment.cookie.exposed = [
    ...enrolment.cookie.exposed.filter((value) => running.has(value.split('.')[0]!)),
    ...fresh.map(({ experiment, arm }) => armRegionValue(experiment, arm)),
  ];
  await keepCookie(c, enrolment.cookie);
  return fresh;
}

/**
 * The arms this reader was counted as exposed to and is still in, for attributing a registration
 * or a checkout; none when the reader is not enrolled, has met no experiment, or anything fails.
 * It never sets a cookie.
 */
export async function exposedArms(c: Context<AppEnv>, now = new Date()): Promise<Assignment> {
  try {
    const reader: Reader = c.get('session')?.reader ?? { kind: 'anonymous' };
    const enrolment = await enrolmentOf(c, reader, now, experimentsFile, false);
    if (!enrolment.enrolled) return new Map();
    return new Map([...enrolment.assignment].filter(([experiment, arm]) => enrolment.cookie.exposed.includes(armRegionValue(experiment, arm))));
  } catch (error) {
    console.error('experiments: could not tell the reader’s arms; counted without them:', error);
    return new Map();
  }
}
