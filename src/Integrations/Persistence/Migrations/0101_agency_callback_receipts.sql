-- The idempotency keys of agency callbacks already accepted. Databases that ran 0100_outbox_delivery.sql
-- before the outbox moved to the engine have this table already, hence IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS agency_callback_receipts (
    agency_id       text NOT NULL,
    idempotency_key text NOT NULL,
    received_at     timestamptz NOT NULL,
    action          text NOT NULL,
    PRIMARY KEY (agency_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS agency_callback_receipts_age ON agency_callback_receipts (received_at);
