-- Idempotency-Key of POST /api/notifications (and the page's form): a retried request returns the case the
-- first one made. The request's fingerprint (a hash of its fields, names included) is stored encrypted, so
-- the table tells nothing of a minor; the row commits with the case it made, or not at all.
CREATE TABLE notification_requests (
    user_id                text NOT NULL,
    idempotency_key        text NOT NULL,
    case_id                text NOT NULL REFERENCES cases (id),
    fingerprint_protected  text NOT NULL,
    created_at             timestamptz NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX notification_requests_created ON notification_requests (created_at);
