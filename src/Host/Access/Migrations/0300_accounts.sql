-- Accounts for ASP.NET Core Identity: one agency per user, roles from RoleNames.
CREATE TABLE accounts (
    id                   text PRIMARY KEY,
    user_name            text NOT NULL,
    normalized_user_name text NOT NULL UNIQUE,
    agency_id            text NOT NULL,
    password_hash        text,
    security_stamp       text NOT NULL,
    concurrency_stamp    text NOT NULL,
    lockout_enabled      boolean NOT NULL DEFAULT true,
    lockout_end          timestamptz,
    access_failed_count  integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL
);

CREATE INDEX accounts_agency ON accounts (agency_id);

-- Roles are stored by their canonical name (school-staff, administrator, ...).
CREATE TABLE account_roles (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       text NOT NULL,
    PRIMARY KEY (account_id, role)
);

CREATE INDEX account_roles_role ON account_roles (role);
