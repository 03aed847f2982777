// Injected faults: the next N API calls of an account wait, fail with a 5xx, or both, so the
// Worker's timeouts and retries can be tested. Hosted pages and controls are never faulted.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Account } from './store.ts';

/**
 * Takes one call's share of the account's fault: waits out its delay, then returns the status
 * to answer with instead of handling the call (undefined: handle it normally). Rejects if the
 * server stops while waiting.
 */
export async function takeFault(account: Account, stopping: AbortSignal): Promise<number | undefined> {
  const fault = account.fault;
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) account.fault = undefined;
  if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: stopping });
  return fault.status;
}
