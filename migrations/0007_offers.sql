-- Offers (issue 22). A checkout remembers the offer it was started with and the promo code that
-- gave it, so a code's redemptions are counted from paid checkouts.
ALTER TABLE checkouts ADD COLUMN offer TEXT;
ALTER TABLE checkouts ADD COLUMN code TEXT;
CREATE INDEX checkouts_by_code ON checkouts (code) WHERE code IS NOT NULL;

-- The next charge, as the provider's upcoming invoice says: an introductory price ends, a trial
-- ends with its first charge. NULL when nothing more will be charged (cancelled, ended) or the
-- provider does not say.
ALTER TABLE subscriptions ADD COLUMN next_charge_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN next_charge_amount INTEGER;
ALTER TABLE subscriptions ADD COLUMN next_charge_currency TEXT;
