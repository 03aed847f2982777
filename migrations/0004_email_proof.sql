-- Proof of an account's email, and the session epoch that lets that proof end every session
-- that came before it.
--
-- An account made by a checkout carries the email the payer typed on the provider's page, which
-- nobody has proven. Until a log-in link to that address is used, the account is unconfirmed: it
-- reads what was paid for on the browser that paid, and cannot set a password, give gifts or make
-- a feed address. The first use of a link proves the email: it clears any password, and moves the
-- account to a new session epoch, so every earlier session ends at its next renewal.

ALTER TABLE accounts ADD COLUMN email_confirmed_at INTEGER;
ALTER TABLE accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
-- The account's session_epoch when the session began; it lives while the two are equal.
ALTER TABLE sessions ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;

-- Accounts from before: proven, unless a checkout made the account and no log-in link to its
-- address has been used since (a link made the account, or proved it, when one was).
UPDATE accounts SET email_confirmed_at = created_at
 WHERE id NOT IN (SELECT account_id FROM checkouts WHERE created_account = 1 AND account_id IS NOT NULL)
    OR email IN (SELECT email FROM login_links WHERE used_at IS NOT NULL);
