-- Payments: subscriptions sold, renewed and ended by a payment provider (Stripe or Razorpay),
-- whose webhooks keep these tables true. Times are seconds since the epoch (UTC); amounts are
-- in the currency's minor units (paise, cents).
--
-- SQLite cannot change a column's constraints in place, so accounts (password now optional),
-- subscriptions (new states and fields) and sessions (which refer to accounts) are rebuilt: the
-- new tables are filled and linked to each other, then the old ones are dropped and the new ones
-- take their names (SQLite carries the references along).

PRAGMA defer_foreign_keys = true;

CREATE TABLE accounts_new (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- Self-describing hash (functions/accounts/password.ts); NULL until the reader sets one, as
  -- for an account made by a purchase.
  password_hash TEXT,
  created_at INTEGER NOT NULL
);
INSERT INTO accounts_new (id, email, password_hash, created_at)
  SELECT id, email, password_hash, created_at FROM accounts;

CREATE TABLE subscriptions_new (
  account_id TEXT PRIMARY KEY REFERENCES accounts_new (id) ON DELETE CASCADE,
  plan TEXT NOT NULL,
  -- active: paid up. past_due: a renewal failed and the provider is retrying; the reader keeps
  -- reading for the grace period (content/site.json). ended: over.
  status TEXT NOT NULL CHECK (status IN ('active', 'past_due', 'ended')),
  -- Active or past due: when the current period ends. Ended: when it ended.
  current_period_end INTEGER NOT NULL,
  -- Past due: since when (the end of the last paid period).
  past_due_since INTEGER,
  -- The subscriber asked to stop at the end of the period.
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
  -- When that wish was passed on to a provider that cannot take it back (Razorpay).
  cancel_sent_at INTEGER,
  -- NULL for subscriptions set up by hand (npm run subscriber).
  provider TEXT CHECK (provider IN ('stripe', 'razorpay')),
  provider_subscription_id TEXT UNIQUE,
  last_payment_at INTEGER,
  last_payment_amount INTEGER,
  last_payment_currency TEXT,
  -- Something the account page must tell the subscriber, e.g. a duplicate subscription refunded.
  notice TEXT,
  -- When the provider's state written here was read, so an older read never overwrites a newer one.
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);
INSERT INTO subscriptions_new (account_id, plan, status, current_period_end)
  SELECT account_id, plan, CASE status WHEN 'active' THEN 'active' ELSE 'ended' END, current_period_end FROM subscriptions;

CREATE TABLE sessions_new (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts_new (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  -- A session is renewed token by token until this moment, then the reader logs in again.
  expires_at INTEGER NOT NULL
);
INSERT INTO sessions_new (id, account_id, created_at, expires_at)
  SELECT id, account_id, created_at, expires_at FROM sessions;

DROP TABLE sessions;
DROP TABLE subscriptions;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_by_account ON sessions (account_id);

-- The provider's customers and the accounts they belong to. An account can have more than one
-- (a checkout started logged out makes a new customer at the provider).
CREATE TABLE billing_customers (
  provider TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (provider, customer_id)
);
CREATE INDEX billing_customers_by_account ON billing_customers (account_id, created_at);

-- Checkouts started on this site, and what became of them once paid.
CREATE TABLE checkouts (
  provider TEXT NOT NULL,
  id TEXT NOT NULL,
  plan TEXT NOT NULL,
  -- The logged-in account that started it, if any.
  started_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  -- The account the paid subscription went to, and whether this purchase made that account.
  account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
  created_account INTEGER NOT NULL DEFAULT 0 CHECK (created_account IN (0, 1)),
  -- 1 when the account already had a live subscription, so this one was cancelled and refunded.
  duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
  completed_at INTEGER,
  PRIMARY KEY (provider, id)
);

-- Webhook events already applied: a replay changes nothing.
CREATE TABLE payment_events (
  provider TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (provider, id)
);
