-- ASP.NET Core Data Protection key ring, shared by every host so that each can read what another encrypted.
CREATE TABLE data_protection_keys (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    xml        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
