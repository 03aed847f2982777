// What every page of the provider shares: the layout with its test-mode banner, escaping, and
// the card fields. Plain server-rendered HTML forms: no JavaScript, labelled fields, and a
// single column that reads on a phone.
import type { CardField } from './cards.ts';

function escapeHtml(text: string | number): string {
  return String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A tagged template that escapes every interpolated value unless it is already Html. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

type HtmlValue = Html | string | number | undefined | null | false | HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return value instanceof Html ? value.text : escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  return new Html(strings.reduce((out, text, index) => out + text + (index < values.length ? render(values[index]) : ''), ''));
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: #1a1a1a; background: #f6f7f9; }
  body { margin: 0; }
  .banner { margin: 0; padding: .75rem 1rem; background: #ffe58a; color: #3d2e00; border-bottom: 2px solid #c9a300; text-align: center; }
  main { box-sizing: border-box; max-width: 30rem; margin: 1.5rem auto; padding: 0 1rem 2rem; }
  main.wide { max-width: 70rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
  .price { font-size: 1.25rem; margin: 0 0 1.25rem; }
  form.pay { background: #fff; border: 1px solid #d5d9de; border-radius: .5rem; padding: 1rem; }
  label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
  input, select { box-sizing: border-box; width: 100%; font: inherit; padding: .6rem .7rem; border: 1px solid #8a939d; border-radius: .35rem; background: #fff; }
  input[readonly] { background: #eef0f3; }
  input:focus-visible, select:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #1463d6; outline-offset: 2px; }
  input[aria-invalid="true"] { border-color: #b3261e; border-width: 2px; }
  fieldset { border: 0; margin: 1rem 0 0; padding: 0; }
  legend { font-weight: 700; padding: 0; }
  .pair { display: flex; gap: .75rem; } .pair > div { flex: 1; }
  button { font: inherit; font-weight: 600; padding: .7rem 1.1rem; border-radius: .35rem; border: 1px solid #0b4fb3; background: #1463d6; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #0b4fb3; }
  form.pay button[type="submit"] { width: 100%; margin-top: 1.25rem; }
  .error { background: #fdecea; color: #7a1712; border-left: 4px solid #b3261e; padding: .6rem .8rem; margin: 0 0 .5rem; }
  .notice { background: #e7f4ea; color: #13401f; border-left: 4px solid #2e7d32; padding: .6rem .8rem; }
  .hint { color: #4a525b; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
  th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid #e1e4e8; }
  td form { display: inline; } td button { padding: .3rem .6rem; font-size: .85rem; margin: 0 .25rem .25rem 0; }
  code { font-size: .85em; overflow-wrap: anywhere; }
  td code { white-space: nowrap; }
  li a { overflow-wrap: anywhere; }
  .card { background: #fff; border: 1px solid #d5d9de; border-radius: .5rem; padding: 1rem; margin: 0 0 1rem; }
  .card > h2:first-child { margin-top: 0; }
  .table-scroll { overflow-x: auto; }
`;

/** The whole page, always with the banner that says no money moves. */
export function page(title: string, body: Html, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Local test payments</title>
<style>${STYLE}</style>
</head>
<body>
<header><p class="banner"><strong>Test mode.</strong> This is a local test-mode payment provider on this machine. No money moves, and nothing is sent to Stripe or Razorpay.</p></header>
<main${options.wide ? ' class="wide"' : ''}>
${body.text}
</main>
</body>
</html>
`;
}

/** A refused form: which field to mark and what to say. */
export interface FormProblem {
  field: CardField | 'email' | 'contact' | 'promotion_code' | undefined;
  message: string;
}

export function problemAlert(problem: FormProblem | undefined): Html {
  return problem ? html`<p class="error" role="alert" id="form-error">${problem.message}</p>` : html``;
}

function invalidAttributes(problem: FormProblem | undefined, field: FormProblem['field']): Html {
  return problem && problem.field === field ? html` aria-invalid="true" aria-describedby="form-error"` : html``;
}

/** A labelled text input. */
export function input(
  field: { name: string; label: string; type?: string; value?: string | undefined; autocomplete: string; inputmode?: string; placeholder?: string; readonly?: boolean; problemField?: FormProblem['field'] },
  problem: FormProblem | undefined,
): Html {
  return html`<label for="${field.name}">${field.label}</label>
<input id="${field.name}" name="${field.name}" type="${field.type ?? 'text'}" autocomplete="${field.autocomplete}"${field.inputmode ? html` inputmode="${field.inputmode}"` : ''}${field.placeholder ? html` placeholder="${field.placeholder}"` : ''} value="${field.value ?? ''}"${field.readonly ? html` readonly` : html` required`}${invalidAttributes(problem, field.problemField)}>`;
}

/**
 * The card fields. Only the cardholder's name is put back after a refusal; the number, expiry
 * and CVC are never echoed.
 */
export function cardFields(name: string | undefined, problem: FormProblem | undefined): Html {
  return html`<fieldset>
<legend>Card</legend>
${input({ name: 'name', label: 'Name on card', value: name, autocomplete: 'cc-name', problemField: 'name' }, problem)}
${input({ name: 'number', label: 'Card number', autocomplete: 'cc-number', inputmode: 'numeric', placeholder: '1234 1234 1234 1234', problemField: 'number' }, problem)}
<div class="pair">
<div>${input({ name: 'expiry', label: 'Expiry (MM / YY)', autocomplete: 'cc-exp', inputmode: 'numeric', placeholder: 'MM / YY', problemField: 'expiry' }, problem)}</div>
<div>${input({ name: 'cvc', label: 'CVC', autocomplete: 'cc-csc', inputmode: 'numeric', placeholder: '123', problemField: 'cvc' }, problem)}</div>
</div>
</fieldset>
<p class="hint">Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined. Any future expiry date and any 3-digit CVC work.</p>`;
}

const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

/** Unix seconds → "5 March 2027". */
export function formatDate(unixSeconds: number): string {
  return DATE.format(new Date(unixSeconds * 1000));
}

/** Unix milliseconds → "5 Mar 2027, 10:04:05" (UTC). */
export function formatTime(unixMilliseconds: number): string {
  return `${DATE_TIME.format(new Date(unixMilliseconds))} UTC`;
}
