-- Readers who do not pay yet: one-time log-in links (which also register new readers), the
-- monthly meter of readers with an account, gift links and private feeds. Times are seconds
-- since the epoch (UTC). Nothing here stores a secret as it was handed out: links and feed
-- addresses are kept as the SHA-256 of their token (functions/tokens/).
--
-- login_failures also counts requests for log-in links now, under the keys "link-email:<email>"
-- and "link-client:<address>" (functions/accounts/throttle.ts).

-- A one-time log-in link. Using it (once, before it expires) logs in the account with this
-- email, or creates it: that is how readers register.
CREATE TABLE login_links (
  token_hash TEXT PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE,
  -- The page to return to afterwards (a path on this site).
  return_to TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX login_links_by_expiry ON login_links (expires_at);

-- The metered stories an account has read in a month ("2026-11", in the site's time zone), by
-- the short key the meter cookie holds. Read and merged with the cookie at log-in and at each
-- renewal of the session token; reading a story only writes here, after the response.
CREATE TABLE meter_reads (
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  month TEXT NOT NULL,
  story_key TEXT NOT NULL,
  read_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, month, story_key)
);

-- A story a subscriber gave as a link. The link is signed (SIGNING_SECRET) and names this row
-- and the story; the row counts its opens and can be revoked.
CREATE TABLE gifts (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  story_path TEXT NOT NULL,
  -- The headline, for the giver's list on the account page.
  story_title TEXT NOT NULL,
  -- The name the recipient sees, as the giver typed it (never their email).
  from_name TEXT NOT NULL,
  -- The calendar month it was made in (site's time zone), for the monthly limit.
  month TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  max_opens INTEGER NOT NULL,
  opens INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER
);
CREATE INDEX gifts_by_account ON gifts (account_id, month);

-- A subscriber's private feed address: one per account; making a new one replaces the old.
CREATE TABLE feed_tokens (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
