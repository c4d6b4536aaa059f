-- Idempotency-Key of POST /api/cases/{id}/counselling-sessions and /retests, as notification_requests is for
-- notifications: a retried request answers the record the first one stored. The request's fingerprint is stored
-- encrypted; the row commits with the record it stored, or not at all.
CREATE TABLE counselling_requests (
    user_id                text NOT NULL,
    idempotency_key        text NOT NULL,
    record_id              text NOT NULL REFERENCES counselling_records (id),
    fingerprint_protected  text NOT NULL,
    created_at             timestamptz NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX counselling_requests_created ON counselling_requests (created_at);
