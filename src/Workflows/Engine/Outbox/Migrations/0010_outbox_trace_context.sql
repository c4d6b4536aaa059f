-- The W3C traceparent of the trace that queued a message (the request or job whose step wrote it), so its
-- delivery continues that trace on whichever host delivers it. Nothing personal: ids and flags only.
ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS traceparent text;
