import { describe, expect, it } from 'vitest';
import { DateFieldError, exampleDate, parseEditorDate, rawFields } from './dates.ts';

const now = new Date('2026-11-25T12:00:00Z');
const parse = (text: string, zone = 'Asia/Kolkata') => parseEditorDate(text, zone, now).toISOString();
const problem = (text: string) => {
  try {
    parseEditorDate(text, 'Asia/Kolkata', now);
  } catch (error) {
    expect(error).toBeInstanceOf(DateFieldError);
    return (error as Error).message;
  }
  throw new Error(`expected ${text} to be refused`);
};

describe('parseEditorDate', () => {
  it('takes an explicit offset as written', () => {
    expect(parse('2026-11-20T09:30:00+05:30')).toBe('2026-11-20T04:00:00.000Z');
    expect(parse('2026-11-20T09:30:00Z')).toBe('2026-11-20T09:30:00.000Z');
    expect(parse('2026-11-20T09:30:00-0400')).toBe('2026-11-20T13:30:00.000Z');
    expect(parse('2026-11-20 09:30+01')).toBe('2026-11-20T08:30:00.000Z');
    expect(parse('2026-11-20T09:30:00.250+05:30')).toBe('2026-11-20T04:00:00.250Z');
  });

  it('reads a time without an offset, or a date alone, in the newsroom time zone', () => {
    expect(parse('2026-11-20T09:30')).toBe('2026-11-20T04:00:00.000Z');
    expect(parse('2026-11-20')).toBe('2026-11-19T18:30:00.000Z');
    // Across a daylight-saving change: London is on UTC+1 in July and UTC in November.
    expect(parse('2026-07-01T09:00', 'Europe/London')).toBe('2026-07-01T08:00:00.000Z');
    expect(parse('2026-11-01T09:00', 'Europe/London')).toBe('2026-11-01T09:00:00.000Z');
  });

  it('knows leap years', () => {
    expect(parse('2024-02-29T10:00:00+05:30')).toBe('2024-02-29T04:30:00.000Z');
    expect(problem('2026-02-29')).toContain('February 2026 has 28 days');
  });

  it.each([
    ['2026-13-45', 'month 13'],
    ['2026-02-30T09:00:00+05:30', 'February 2026 has 28 days'],
    ['2026-11-31', 'November 2026 has 30 days'],
    ['2026-00-10', 'month 00'],
    ['2026-11-20T25:00:00+05:30', 'not a time of day'],
    ['2026-11-20T09:61', 'not a time of day'],
    ['2026-11-20T09:30:00+15:00', 'not a time zone offset'],
    ['20 November 2026', 'form year-month-day'],
    ['2026/11/20', 'form year-month-day'],
    ['1799-12-31', 'before 1800'],
    ['2062-11-20T09:30:00+05:30', 'years ahead'],
  ])('refuses %s: %s', (text, reason) => {
    expect(problem(text)).toContain(reason);
  });
});

describe('rawFields', () => {
  it('reads the text an editor wrote, before YAML turns it into a date', () => {
    const source = `---\ntitle: "x"\npublished: 2026-13-45 # oops\n"updated": '2026-02-30'\nnested:\n  published: 2020-01-01\n---\nbody`;
    expect(rawFields(source, ['published', 'updated'])).toEqual(
      new Map([
        ['published', '2026-13-45'],
        ['updated', '2026-02-30'],
      ]),
    );
  });
});

describe('exampleDate', () => {
  it('is itself a valid date, with the newsroom offset', () => {
    const example = exampleDate('Asia/Kolkata', now);
    expect(example).toBe('2026-11-25T17:30:00+05:30');
    expect(parseEditorDate(example, 'Asia/Kolkata', now).getTime()).toBe(now.getTime());
  });
});
