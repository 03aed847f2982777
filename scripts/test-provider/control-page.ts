// The control page: every account's subscriptions with buttons for the test clock, the hosted
// pages still waiting for payment, and recent webhook deliveries with each attempt's outcome.
import { formatMoney } from './money.ts';
import type { Html } from './pages.ts';
import { formatDate, formatTime, html, page } from './pages.ts';
import { planOf } from './razorpay-billing.ts';
import { accountKey, DELIVERY_MODES, maskKey } from './store.ts';
import type { Account, RazorpayAccount, StripeAccount } from './store.ts';
import type { ProviderContext } from './context.ts';
import { itemOf } from './stripe-objects.ts';

const RECENT = 25;

interface SubscriptionRow {
  id: string;
  who: string;
  plan: string;
  status: string;
  periodEnd: number | null;
  notes: string[];
  live: boolean;
}

function stripeRows(account: StripeAccount): SubscriptionRow[] {
  return [...account.data.subscriptions.values()].map((subscription) => {
    const item = itemOf(subscription);
    return {
      id: subscription.id,
      who: account.data.customers.get(String(subscription.customer))?.email ?? String(subscription.customer),
      plan: `${account.data.products.get(String(item.price.product))?.name ?? item.price.id}, ${formatMoney((item.price.unit_amount ?? 0) * (item.quantity ?? 1), item.price.currency)}`,
      status: subscription.status,
      periodEnd: item.current_period_end,
      notes: subscription.cancel_at_period_end ? ['cancels at period end'] : [],
      live: subscription.status !== 'canceled',
    };
  });
}

function razorpayRows(account: RazorpayAccount): SubscriptionRow[] {
  return [...account.data.subscriptions.values()].map((record) => {
    const { subscription } = record;
    const plan = planOf(account, subscription);
    return {
      id: subscription.id,
      who: (subscription.customer_id && account.data.customers.get(subscription.customer_id)?.email) || 'not paid yet',
      plan: `${plan.item.name}, ${formatMoney(plan.item.amount * subscription.quantity, plan.item.currency)}`,
      status: subscription.status,
      periodEnd: subscription.current_end,
      notes: [`${subscription.paid_count}/${subscription.total_count} paid`, ...(record.cancelAtCycleEnd ? ['cancels at cycle end'] : [])],
      live: ['active', 'pending', 'halted'].includes(subscription.status),
    };
  });
}

function actionButton(account: Account, action: string, subscriptionId: string, label: string, extra?: Html): Html {
  return html`<form method="post" action="/_control/subscriptions/${subscriptionId}/${action}"><input type="hidden" name="key" value="${accountKey(account)}">${extra}<button type="submit">${label}</button></form>`;
}

function subscriptionsTable(account: Account): Html {
  const rows = (account.provider === 'stripe' ? stripeRows(account) : razorpayRows(account)).reverse();
  if (!rows.length) return html`<p>No subscriptions yet.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Subscriptions of ${maskKey(accountKey(account))}"><table>
<thead><tr><th scope="col">Subscription</th><th scope="col">Customer</th><th scope="col">Plan</th><th scope="col">Status</th><th scope="col">Period ends</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.map((row) => {
    const failing = account.failingRenewals.has(row.id);
    const notes = [...row.notes, ...(failing ? ['renewals fail'] : [])];
    return html`<tr>
<td><code>${row.id}</code></td><td>${row.who}</td><td>${row.plan}</td>
<td>${row.status}${notes.length ? html`<br><small>${notes.join('; ')}</small>` : ''}</td>
<td>${row.periodEnd ? formatDate(row.periodEnd) : '—'}</td>
<td>${
      row.live
        ? [
            actionButton(account, 'renew', row.id, 'Renew now'),
            actionButton(account, 'fail-next-renewal', row.id, failing ? 'Let renewals pay' : 'Fail the next renewal', html`<input type="hidden" name="fail" value="${failing ? 'false' : 'true'}">`),
            actionButton(account, 'cancel', row.id, 'Cancel now'),
          ]
        : '—'
    }</td>
</tr>`;
  })}</tbody>
</table></div>`;
}

function waitingPages(account: Account): Html {
  const links =
    account.provider === 'stripe'
      ? [...account.data.checkoutSessions.values()].filter(({ session }) => session.status === 'open').map(({ session }) => ({ id: session.id, url: session.url ?? '' }))
      : [...account.data.subscriptions.values()].filter(({ subscription }) => subscription.status === 'created').map(({ subscription }) => ({ id: subscription.id, url: subscription.short_url }));
  if (!links.length) return html``;
  return html`<h3>Waiting for payment</h3><ul>${links.slice(-RECENT).map((link) => html`<li><a href="${link.url}">${link.id}</a></li>`)}</ul>`;
}

function deliveriesTable(account: Account): Html {
  const deliveries = account.deliveries.slice(-RECENT).reverse();
  if (!deliveries.length) return html`<p>No events yet.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Deliveries of ${maskKey(accountKey(account))}"><table>
<thead><tr><th scope="col">Event</th><th scope="col">Id</th><th scope="col">Delivery</th><th scope="col">Attempts</th></tr></thead>
<tbody>${deliveries.map(
    (delivery) => html`<tr><td>${delivery.type}</td><td><code>${delivery.eventId}</code></td><td>${delivery.state}</td>
<td>${delivery.attempts.length ? html`<ol>${delivery.attempts.map((attempt) => html`<li>${attempt.status ? `HTTP ${attempt.status}` : (attempt.error ?? 'no answer')} at ${formatTime(attempt.at)} (${attempt.durationMs} ms)</li>`)}</ol>` : delivery.state === 'outbox' ? 'waiting in the outbox' : '—'}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function accountSection(account: Account): Html {
  const key = accountKey(account);
  return html`<section class="card" aria-labelledby="account-${key}">
<h2 id="account-${key}">${account.provider === 'stripe' ? 'Stripe' : 'Razorpay'} account <code>${maskKey(key)}</code></h2>
<p>Webhooks: ${account.webhookUrl ? html`sent to <code>${account.webhookUrl}</code>` : `kept in the outbox (${account.outbox.length} waiting; POST /_control/outbox/drain)`}; secret <code>${account.webhookSecret}</code>.</p>
<form method="post" action="/_control/delivery"><input type="hidden" name="key" value="${key}">
<label for="mode-${key}">Delivery mode</label>
<select id="mode-${key}" name="mode">${DELIVERY_MODES.map((mode) => html`<option value="${mode}"${mode === account.deliveryMode ? html` selected` : ''}>${mode}</option>`)}</select>
<button type="submit" class="secondary">Set mode</button></form>
${account.fault ? html`<p>Fault: the next ${account.fault.remaining} API call(s) ${account.fault.delayMs ? `wait ${account.fault.delayMs} ms` : ''}${account.fault.delayMs && account.fault.status ? ' and ' : ''}${account.fault.status ? `answer ${account.fault.status}` : ''}.</p>` : ''}
<h3>Subscriptions</h3>
${subscriptionsTable(account)}
${waitingPages(account)}
<h3>Recent events and deliveries</h3>
${deliveriesTable(account)}
</section>`;
}

export function renderControlPage(context: ProviderContext, message: string | undefined): string {
  const accounts = context.accounts.all();
  return page(
    'Control',
    html`<h1>Local test payment provider</h1>
<p>Stripe and Razorpay APIs on <code>${context.baseUrl}/v1/</code>. Renew, fail or cancel subscriptions here as the providers would at the end of a period.</p>
${message ? html`<p class="notice" role="status">${message}</p>` : ''}
${accounts.length ? accounts.map(accountSection) : html`<p>No accounts yet: any API call with an sk_test_… or rzp_test_… key makes one.</p>`}`,
    { wide: true },
  );
}
