-- Outbox delivery shared by several hosts and administrators' decisions on dead letters. Databases
-- that ran this script before it moved to the engine also got agency_callback_receipts, now 0101.

-- Each claim gets a fresh token; only the holder of the current token may record the outcome,
-- so a host whose lease ran out cannot overwrite what the host that took over recorded.
ALTER TABLE outbox_messages
    ADD COLUMN claim_token  uuid,
    ADD COLUMN claimed_by   text,
    ADD COLUMN claimed_at   timestamptz;

CREATE INDEX outbox_messages_dead_letters ON outbox_messages (created_at DESC) WHERE status = 'DeadLettered';

CREATE TABLE outbox_audit (
    id          bigserial PRIMARY KEY,
    message_id  uuid NOT NULL REFERENCES outbox_messages (id),
    action      text NOT NULL,                  -- Resent, Dropped
    actor       text NOT NULL,                  -- who decided; an account name once accounts exist
    reason      text,
    at          timestamptz NOT NULL
);
CREATE INDEX outbox_audit_message ON outbox_audit (message_id, id);
