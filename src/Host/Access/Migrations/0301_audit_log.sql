-- Who read or changed what, and every sign-in. Rows are only ever inserted.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    user_id   text NOT NULL,
    agency_id text NOT NULL,
    action    text NOT NULL,
    case_id   text,
    details   text
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_case ON audit_log (case_id, at) WHERE case_id IS NOT NULL;
