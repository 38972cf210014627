-- Trials as received (raw) beside the few normalized columns that queries need.
-- Written in the SQL subset that SQLite and PostgreSQL share: one migration serves both.
-- Timestamps are RFC 3339 UTC text, which sorts chronologically in both databases.
CREATE TABLE trials (
    nct_id                TEXT PRIMARY KEY,
    source_format         TEXT NOT NULL,
    raw                   TEXT NOT NULL,
    raw_sha256            TEXT NOT NULL,
    brief_title           TEXT NOT NULL,
    overall_status        TEXT NOT NULL,
    lead_sponsor          TEXT,
    lead_sponsor_class    TEXT,
    last_update_post_date TEXT,
    first_stored_at       TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    refreshed_at          TEXT NOT NULL
);

CREATE INDEX trials_lead_sponsor ON trials (lead_sponsor);
CREATE INDEX trials_updated_at ON trials (updated_at);

CREATE TABLE trial_conditions (
    nct_id    TEXT NOT NULL REFERENCES trials (nct_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    condition TEXT NOT NULL,
    PRIMARY KEY (nct_id, position)
);

CREATE INDEX trial_conditions_condition ON trial_conditions (condition);

-- Small named values that must survive restarts, such as the sync checkpoint.
CREATE TABLE state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
