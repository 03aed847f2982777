-- Subscriber accounts, their subscriptions, their sessions, and failed-login counters.
-- Times are seconds since the epoch (UTC).

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- Self-describing hash (scheme, cost, salt, digest): see functions/accounts/password.ts.
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE subscriptions (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  plan TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
  -- Active: when it renews. Cancelled: when access ended.
  current_period_end INTEGER NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  -- A session is renewed token by token until this moment, then the reader logs in again.
  expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE login_failures (
  -- "account:<email>" or "client:<address>"
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  first_failure_at INTEGER NOT NULL,
  blocked_until INTEGER NOT NULL DEFAULT 0
);
