-- Derived data: each trial's matcher document (criteria parsed, text analyzed), as its
-- builder encoded it, so a match reads it instead of parsing again. Never the source of truth:
-- a row is used only while `raw_sha256` equals the trial's and `format` equals the reader's
-- (the builder's code version); the table can be emptied at any time and refills as trials
-- are matched. BYTEA is a blob in SQLite too (any declared type name is accepted there).
CREATE TABLE matcher_documents (
    nct_id     TEXT PRIMARY KEY REFERENCES trials (nct_id) ON DELETE CASCADE,
    raw_sha256 TEXT NOT NULL,
    format     TEXT NOT NULL,
    body       BYTEA NOT NULL
);
