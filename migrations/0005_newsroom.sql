-- The newsroom: counts of what the edge and the webhooks decided, rolled up by hour; unique
-- readers per day without knowing who they are; which story each registration and subscription
-- came from; and the staff who may see it all at /newsroom/.
--
-- Nothing here holds an IP address, an email, an account id or a cookie value. Counts arrive
-- through a Cloudflare Queue (functions/analytics/) and are written by its consumer, never on a
-- reader's request.

-- One row per local hour (the site's time zone, "2026-12-05T09"), event and what the event is
-- about: e.g. ("view", "/stories/x/", "metered|anonymous|full"). Kept 25 months.
CREATE TABLE analytics_counts (
  hour TEXT NOT NULL,
  event TEXT NOT NULL,
  story TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  count INTEGER NOT NULL,
  PRIMARY KEY (hour, event, story, detail)
) WITHOUT ROWID;

-- HyperLogLog registers of unique readers for one local day and scope ("site", "section:<id>",
-- "wall"): a register and the longest run of leading zeros seen there. Once a day is over its
-- estimate is kept in analytics_counts (event "uniques") and its registers are deleted.
CREATE TABLE analytics_uniques (
  day TEXT NOT NULL,
  scope TEXT NOT NULL,
  register INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  PRIMARY KEY (day, scope, register)
) WITHOUT ROWID;

-- Queue messages already counted, by the local day they were sent: delivery is at least once,
-- counting is exactly once. Kept longer than a queue keeps a message; keyed by day first so that
-- neither looking one up nor deleting old days needs a second index (one row written each).
CREATE TABLE analytics_messages (
  day TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (day, id)
) WITHOUT ROWID;

-- The salt of each local day's reader hash. Deleted once its day is over, so a hash can never be
-- recomputed, nor a reader followed from one day to the next.
CREATE TABLE analytics_salts (
  day TEXT PRIMARY KEY,
  salt TEXT NOT NULL
) WITHOUT ROWID;

-- Where a registration or a subscription came from: the story whose wall or offer it started
-- on, and how ("wall", "offer", "gift"). Kept with the record itself, so counts by story are exact.
ALTER TABLE login_links ADD COLUMN story TEXT;
ALTER TABLE login_links ADD COLUMN story_via TEXT;
ALTER TABLE checkouts ADD COLUMN story TEXT;
ALTER TABLE checkouts ADD COLUMN story_via TEXT;
ALTER TABLE subscriptions ADD COLUMN story TEXT;
ALTER TABLE subscriptions ADD COLUMN story_via TEXT;

-- Staff see the newsroom. Given with `npm run staff -- add <email>`.
ALTER TABLE accounts ADD COLUMN staff INTEGER NOT NULL DEFAULT 0 CHECK (staff IN (0, 1));
