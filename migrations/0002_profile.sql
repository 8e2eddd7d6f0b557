-- Login-Daten: salutation, gender, postal address, phone; pending e-mail changes.

ALTER TABLE accounts ADD COLUMN salutation TEXT NOT NULL DEFAULT 'none' CHECK (salutation IN ('ms', 'mr', 'none'));
ALTER TABLE accounts ADD COLUMN gender TEXT NOT NULL DEFAULT 'unspecified' CHECK (gender IN ('female', 'male', 'diverse', 'unspecified'));
ALTER TABLE accounts ADD COLUMN street TEXT;
ALTER TABLE accounts ADD COLUMN postal_code TEXT;
ALTER TABLE accounts ADD COLUMN city TEXT;
ALTER TABLE accounts ADD COLUMN country TEXT NOT NULL DEFAULT 'DE';
ALTER TABLE accounts ADD COLUMN phone TEXT;

CREATE TABLE email_changes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    new_email   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX email_changes_account ON email_changes(account_id);
