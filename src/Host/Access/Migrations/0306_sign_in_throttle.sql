-- Failed sign-ins counted per account name, per source address and per (name, address), so that every host
-- throttles alike. Names are counted whether or not an account has them: the answer must not tell which exist.
-- scope: 'pair' (name and address), 'account' (name, from addresses it has not signed in from), 'address' (any name).
CREATE TABLE sign_in_failures (
    scope           text NOT NULL,
    key             text NOT NULL,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX sign_in_failures_last_failure_at ON sign_in_failures (last_failure_at);

-- The addresses an account has signed in from: the account-wide throttle does not hold them back, so a user's
-- usual place keeps working while someone elsewhere guesses the account's password.
CREATE TABLE sign_in_known_addresses (
    user_name    text NOT NULL,
    address      text NOT NULL,
    signed_in_at timestamptz NOT NULL,
    PRIMARY KEY (user_name, address)
);
