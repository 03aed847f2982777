-- Experiments (content/experiments.json, functions/experiments/): the arms a registration or a
-- subscription came from, kept with its record as the story it came from is (0005), so that each
-- arm's outcomes are counted exactly. Arms are "experiment=arm" pairs, joined by commas: they name
-- an experiment's arm, never a reader.
ALTER TABLE login_links ADD COLUMN arms TEXT;
ALTER TABLE checkouts ADD COLUMN arms TEXT;

-- A subscription bought by a reader in experiment arms, until its first renewal is counted for
-- them: "still active after the first renewal" is one of an experiment's outcomes.
CREATE TABLE experiment_subscriptions (
  provider TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  arms TEXT NOT NULL,
  renewed INTEGER NOT NULL DEFAULT 0 CHECK (renewed IN (0, 1)),
  PRIMARY KEY (provider, subscription_id)
) WITHOUT ROWID;
