-- A password an administrator set (at creation or a reset) is known to someone else: the user must
-- replace it before doing anything else. Accounts that existed before keep their passwords as they are.
ALTER TABLE accounts ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
