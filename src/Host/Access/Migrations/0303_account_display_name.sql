-- The name people read for an account (a person's name or a post); the user name stays the sign-in key.
ALTER TABLE accounts ADD COLUMN display_name text NOT NULL DEFAULT '';

-- The accounts page shows each account's latest sign-in, which the audit log already records.
CREATE INDEX audit_log_sign_ins ON audit_log (user_id, at) WHERE action = 'account.signed-in';
