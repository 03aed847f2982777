import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './return-path.ts';

describe('safeReturnPath', () => {
  it.each([
    ['/stories/a/', '/stories/a/'],
    ['/stories/a/?utm=x', '/stories/a/?utm=x'],
    ['/stories/a/#comments', '/stories/a/'],
    ['/a/../b/', '/b/'],
  ])('keeps %s on this site as %s', (input, expected) => {
    expect(safeReturnPath(input)).toBe(expected);
  });

  it.each([
    '//evil.example',
    '//evil.example/stories/',
    'https://evil.example',
    'http://evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/%2F%2Fevil.example',
    '%2F%2Fevil.example',
    '/%5Cevil.example',
    '/%5cevil.example',
    'javascript:alert(1)',
    'evil.example',
    '/\t/evil.example',
    '/%09/evil.example',
    '/%E0%A4%A',
    '/.//evil.example',
    '/..//evil.example/',
    '/%2e//evil.example',
    '/a/..//evil.example',
    '',
    undefined,
    42,
    `/${'a'.repeat(3000)}`,
  ])('sends %j to the account page instead', (input) => {
    expect(safeReturnPath(input)).toBe('/account/');
  });
});
