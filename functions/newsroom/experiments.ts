import { escapeHtml } from '../../src/paywall/html.ts';
import { localDayOf } from '../../src/paywall/dates.ts';
import { experimentsFile, type Experiment, type ExperimentsFile } from '../../src/paywall/experiments.ts';
import { settings } from '../../src/paywall/settings.ts';
import { EXPERIMENT_STEPS, type ExperimentStep } from '../analytics/events.ts';
import { toCsv } from './csv.ts';
import { ENOUGH, isEnough, newcombe, readersNeeded, wilson, type Interval } from './stats.ts';

/**
 * The experiments' results at /newsroom/experiments/ and as CSV: for each experiment of
 * content/experiments.json and each of its arms, the readers exposed, and each outcome with its
 * rate, a 95% Wilson interval, and its difference from the control with Newcombe's interval.
 * Counts come from analytics_counts, where the edge and the webhooks file them
 * (functions/experiments): rows of experiment, arm and step, never of a reader.
 */

const OUTCOMES = EXPERIMENT_STEPS.filter((step): step is Exclude<ExperimentStep, 'exposure'> => step !== 'exposure');
type Outcome = (typeof OUTCOMES)[number];

const OUTCOME_LABELS: Record<Outcome, string> = {
  registration: 'Registrations',
  checkout: 'Checkouts started',
  subscription: 'Subscriptions',
  renewal: 'Still subscribed after the first renewal',
};

/** Counts of one experiment, by arm and step. */
export type ArmCounts = Map<string, Record<ExperimentStep, number>>;

/** Every experiment's counts from analytics_counts, from the first day of the earliest experiment on. */
export async function experimentCounts(db: D1Database, file: ExperimentsFile = experimentsFile): Promise<Map<string, ArmCounts>> {
  const counts = new Map<string, ArmCounts>();
  if (!file.experiments.length) return counts;
  const from = `${file.experiments.map((experiment) => experiment.start).sort()[0]}T00`;
  const { results } = await db
    .prepare("SELECT detail, SUM(count) AS count FROM analytics_counts WHERE hour >= ? AND event = 'experiment' GROUP BY detail")
    .bind(from)
    .all<{ detail: string; count: number }>();
  for (const { detail, count } of results) {
    const [experiment = '', arm = '', step] = detail.split('|');
    if (!EXPERIMENT_STEPS.includes(step as ExperimentStep)) continue;
    const arms = counts.get(experiment) ?? new Map();
    counts.set(experiment, arms);
    const steps = arms.get(arm) ?? Object.fromEntries(EXPERIMENT_STEPS.map((name) => [name, 0]));
    arms.set(arm, steps);
    steps[step as ExperimentStep] += count;
  }
  return counts;
}

/** One outcome of one arm, with its statistics. */
export interface ResultRow {
  experiment: string;
  outcome: Outcome;
  arm: string;
  control: boolean;
  exposures: number;
  count: number;
  rate: number | null;
  interval: Interval | null;
  difference: (Interval & { difference: number }) | null;
  /** Every arm has the readers the README's rule asks for, for this outcome. */
  enough: boolean;
}

export function resultRows(experiment: Experiment, counts: ArmCounts | undefined): ResultRow[] {
  const of = (arm: string) => counts?.get(arm) ?? Object.fromEntries(EXPERIMENT_STEPS.map((name) => [name, 0]) as [ExperimentStep, number][]);
  const control = experiment.arms[0]!.name;
  return OUTCOMES.flatMap((outcome) => {
    const enough = isEnough(experiment.arms.map((arm) => ({ exposures: of(arm.name).exposure, outcomes: of(arm.name)[outcome] })));
    return experiment.arms.map((arm, index) => {
      const exposures = of(arm.name).exposure;
      const count = of(arm.name)[outcome];
      return {
        experiment: experiment.id,
        outcome,
        arm: arm.name,
        control: index === 0,
        exposures,
        count,
        rate: exposures > 0 ? count / exposures : null,
        interval: wilson(count, exposures),
        difference: index === 0 ? null : newcombe({ successes: count, trials: exposures }, { successes: of(control)[outcome], trials: of(control).exposure }),
        enough,
      };
    });
  });
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const points = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(2)}`;
const number = (value: number) => new Intl.NumberFormat(settings.locale).format(value);

/** Where an experiment stands on `today`, and what the newsroom may do about it. */
function status(experiment: Experiment, today: string): string {
  if (today < experiment.start) return `Starts on ${experiment.start}.`;
  if (today <= experiment.end) return `Running from ${experiment.start} until the end of ${experiment.end}. Decide on ${experiment.end}, not before.`;
  return `Ended on ${experiment.end}. Every reader now gets the control. Decide on these figures.`;
}

function verdict(row: ResultRow): string {
  if (row.control) return 'Control';
  if (!row.enough || !row.difference) return 'Not enough readers yet';
  if (row.difference.low > 0) return 'Higher than the control';
  if (row.difference.high < 0) return 'Lower than the control';
  return 'No clear difference';
}

/** How much a rate must move, relative to the control's, for the planning line below a table. */
const PLANNED_CHANGE = 0.2;

/** What the control's rate so far means for the experiment's length (Lehr's rule, stats.ts). */
function planningHtml(controlRate: number | null): string {
  if (!controlRate || controlRate >= 1) return '';
  const needed = readersNeeded(controlRate, controlRate * PLANNED_CHANGE);
  return `<p class="experiment-plan">At the control’s rate so far, telling a change of a fifth (to ${percent(controlRate * (1 + PLANNED_CHANGE))} or ${percent(controlRate * (1 - PLANNED_CHANGE))}) needs about ${number(needed)} readers exposed in each arm.</p>`;
}

function rowHtml(row: ResultRow): string {
  const cells = [
    `<th scope="row">${escapeHtml(row.arm)}</th>`,
    `<td class="num">${number(row.exposures)}</td>`,
    `<td class="num">${number(row.count)}</td>`,
    `<td class="num">${row.rate === null ? '–' : percent(row.rate)}</td>`,
    `<td class="num">${row.interval ? `${percent(row.interval.low)} to ${percent(row.interval.high)}` : '–'}</td>`,
    `<td class="num">${row.difference ? `${points(row.difference.difference)} points` : '–'}</td>`,
    `<td class="num">${row.difference ? `${points(row.difference.low)} to ${points(row.difference.high)}` : '–'}</td>`,
    `<td>${verdict(row)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

const HEADS = ['Arm', 'Readers exposed', 'Readers', 'Rate', '95% interval', 'Difference from the control', '95% interval of the difference', 'Verdict'];

/** The results page's HTML, for the build's shell (src/pages/newsroom/experiments/index.astro). Every value is escaped. */
export function experimentsHtml(experiments: readonly Experiment[], counts: Map<string, ArmCounts>, now: Date): string {
  const today = localDayOf(now);
  const rule = `<div class="experiments-rule">
<p><strong>Decide at the end date.</strong> Each experiment runs for the days it declares, and is judged once, on its end date: a difference that looks good half-way is most often noise, and stopping when a number looks good makes false winners.</p>
<p>An arm’s rate is its readers with the outcome out of its readers exposed (those who met what it varies: the meter’s notice or the wall). The interval is where the true rate lies with 95% confidence (Wilson), and the difference’s interval (Newcombe) is a clear difference only when it leaves out zero.</p>
<p>An outcome says “not enough readers yet” until every arm has ${number(ENOUGH.exposures)} readers exposed and ${number(ENOUGH.outcomes)} readers with that outcome.</p>
</div>`;
  if (!experiments.length) return `${rule}<p>No experiments are declared. Add one to content/experiments.json and build the site.</p>`;
  const sections = experiments.map((experiment) => {
    const rows = resultRows(experiment, counts.get(experiment.id));
    const tables = OUTCOMES.map((outcome) => {
      const caption = `${experiment.id}: ${OUTCOME_LABELS[outcome]}`;
      const control = rows.find((row) => row.outcome === outcome && row.control);
      return `<h3>${escapeHtml(OUTCOME_LABELS[outcome])}</h3>
<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(`Table: ${caption}`)}">
<table class="figures">
<caption class="visually-hidden">${escapeHtml(caption)}</caption>
<thead><tr>${HEADS.map((head) => `<th scope="col">${escapeHtml(head)}</th>`).join('')}</tr></thead>
<tbody>${rows.filter((row) => row.outcome === outcome).map(rowHtml).join('\n')}</tbody>
</table>
</div>${planningHtml(control?.rate ?? null)}`;
    });
    const arms = experiment.arms.map((arm, index) => `${escapeHtml(arm.name)}${index === 0 ? ' (control)' : ''}, weight ${arm.weight}`).join('; ');
    return `<section class="experiment" aria-labelledby="experiment-${escapeHtml(experiment.id)}">
<h2 id="experiment-${escapeHtml(experiment.id)}">${escapeHtml(experiment.id)}</h2>
${experiment.question ? `<p class="experiment-question">${escapeHtml(experiment.question)}</p>` : ''}
<p class="experiment-status">${escapeHtml(status(experiment, today))} Arms: ${arms}.</p>
${tables.join('\n')}
</section>`;
  });
  return `${rule}
${sections.join('\n')}
<p class="csv-link"><a class="csv" href="/newsroom/experiments.csv" download>All results as CSV</a></p>`;
}

/** Every experiment's results as CSV: one row per experiment, outcome and arm, rates as fractions. */
export function experimentsCsv(experiments: readonly Experiment[], counts: Map<string, ArmCounts>): string {
  const header = ['experiment', 'outcome', 'arm', 'control', 'exposures', 'count', 'rate', 'rate_low', 'rate_high', 'difference', 'difference_low', 'difference_high', 'enough_readers'];
  const rows = experiments.flatMap((experiment) =>
    resultRows(experiment, counts.get(experiment.id)).map((row) => [
      row.experiment,
      row.outcome,
      row.arm,
      row.control ? 1 : 0,
      row.exposures,
      row.count,
      row.rate ?? '',
      row.interval?.low ?? '',
      row.interval?.high ?? '',
      row.difference?.difference ?? '',
      row.difference?.low ?? '',
      row.difference?.high ?? '',
      row.enough ? 1 : 0,
    ]),
  );
  return toCsv(header, rows);
}
