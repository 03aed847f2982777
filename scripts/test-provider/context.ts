// What one running test provider hands to its request handlers, pages and state machines.
import type { Accounts } from './store.ts';
import type { WebhookSender } from './webhooks.ts';

/** What request handlers, pages and the state machines share for one running server. */
export interface ProviderContext {
  accounts: Accounts;
  webhooks: WebhookSender;
  /** The server's own origin, e.g. http://127.0.0.1:12111, for hosted page URLs. */
  baseUrl: string;
  log: (line: string) => void;
}
