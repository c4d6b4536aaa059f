-- API keys for machine clients (an Elsa Studio, Elsa's API client, scripts). Only the SHA-256 hash of
-- the key is kept; the key itself is shown once, when an administrator creates it. A revoked key stays
-- for the audit trail and no longer signs anyone in.
CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    key_hash    text NOT NULL UNIQUE,           -- lower-case hex SHA-256 of the whole key
    key_prefix  text NOT NULL,                  -- the first characters, so a key can be recognised in a list
    roles       text[] NOT NULL,
    agency_id   text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_by  text,
    revoked_at  timestamptz
);
