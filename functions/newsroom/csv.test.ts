import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.ts';

// A cell a spreadsheet would run as a formula must reach it as text, and a cell holding the
// separators must stay one cell.
describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("https://evil.example","x")', `"'=HYPERLINK(""https://evil.example"",""x"")"`],
    ['+1 555 0100', "'+1 555 0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tTabbed', "'\tTabbed"],
    ['Quotes "inside"', '"Quotes ""inside"""'],
    ['Ports, docks and ferries', '"Ports, docks and ferries"'],
    ['Two\nlines', '"Two\nlines"'],
    ['Carriage\r\nreturn', '"Carriage\r\nreturn"'],
    ['A plain title', 'A plain title'],
    ['', ''],
  ])('%j is written %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it('writes numbers as numbers, negative ones too', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(0.1234)).toBe('0.1234');
  });

  it('has one header row and CRLF line ends', () => {
    expect(toCsv(['path', 'views'], [['/a/', 1], ['=b', 2]])).toBe("path,views\r\n/a/,1\r\n'=b,2\r\n");
  });
});
