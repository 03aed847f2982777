// The accessibility checks every page of ours must pass in the browser: axe-core with no
// violations and every text's contrast checked, one h1 first, no skipped heading levels, and the
// banner, main and contentinfo landmarks once each.
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

interface AxeResult {
  id: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

function describeResults(results: AxeResult[]): string {
  return results
    .map((result) => `${result.id} (${result.help}):\n${result.nodes.map((node) => `  ${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n')}`)
    .join('\n');
}

async function headingLevels(page: Page): Promise<number[]> {
  return page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((headings) =>
    // Rendered headings only (a visually hidden one counts: screen readers announce it).
    headings.filter((heading) => heading.getClientRects().length > 0).map((heading) => Number(heading.tagName.slice(1))),
  );
}

export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated through the debugging protocol, which the pages' content security policy (no
  // inline scripts) does not govern, so the policy stays on while axe runs.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations', 'incomplete'] }));
  const violations = results.violations as AxeResult[];
  expect(violations.map((result) => result.id), describeResults(violations)).toEqual([]);
  const uncheckedContrast = (results.incomplete as AxeResult[]).filter((result) => result.id === 'color-contrast');
  expect(uncheckedContrast.length, `contrast axe could not check:\n${describeResults(uncheckedContrast)}`).toBe(0);

  const levels = await headingLevels(page);
  expect(levels.filter((level) => level === 1), 'one h1').toHaveLength(1);
  expect(levels[0], 'the h1 comes first').toBe(1);
  levels.forEach((level, index) => {
    if (index > 0) expect(level, `heading levels in order: ${levels.join(' ')}`).toBeLessThanOrEqual(levels[index - 1]! + 1);
  });
  for (const role of ['banner', 'main', 'contentinfo'] as const) {
    expect(await page.getByRole(role).count(), `one ${role} landmark`).toBe(1);
  }
}
