-- Sessions ended by signing out: a copy of the cookie made before must stop working too.
-- A row only needs keeping while a cookie of that session could still be within its lifetime.
CREATE TABLE ended_sessions (
    session_id text PRIMARY KEY,
    ended_at   timestamptz NOT NULL
);
CREATE INDEX ended_sessions_ended_at ON ended_sessions (ended_at);
