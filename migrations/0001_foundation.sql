-- Foundation: accounts, initial passwords, sessions, captcha challenges, mail outbox,
-- rate limits, audit log and server secrets. Portable between SQLite and PostgreSQL
-- (DESIGN §5): ids TEXT, times BIGINT Unix milliseconds, flags BIGINT 0/1.

CREATE TABLE accounts (
    id                    TEXT PRIMARY KEY,
    email                 TEXT NOT NULL UNIQUE,
    given_name            TEXT NOT NULL,
    middle_name           TEXT,
    family_name           TEXT NOT NULL,
    birth_date            TEXT,
    status                TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    password_hash         TEXT,
    security_question     TEXT,
    security_answer_hash  TEXT,
    created_at            BIGINT NOT NULL,
    activated_at          BIGINT,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE initial_passwords (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX initial_passwords_account ON initial_passwords(account_id);

CREATE TABLE sessions (
    id                   TEXT PRIMARY KEY,
    token_hash           TEXT NOT NULL UNIQUE,
    account_id           TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    stage                TEXT NOT NULL CHECK (stage IN ('first_login', 'full')),
    persistent           BIGINT NOT NULL CHECK (persistent IN (0, 1)),
    created_at           BIGINT NOT NULL,
    last_seen_at         BIGINT NOT NULL,
    idle_timeout_ms      BIGINT NOT NULL,
    absolute_expires_at  BIGINT NOT NULL,
    user_agent           TEXT,
    client_prefix        TEXT
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE captcha_challenges (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'question')),
    prompt       TEXT NOT NULL,
    answer       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    consumed_by  TEXT
);
CREATE INDEX captcha_challenges_expiry ON captcha_challenges(expires_at);

CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    locked_by        TEXT,
    locked_until     BIGINT,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE TABLE rate_limits (
    key            TEXT PRIMARY KEY,
    failures       BIGINT NOT NULL,
    last_failure   BIGINT NOT NULL,
    blocked_until  BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    event       TEXT NOT NULL,
    account_id  TEXT,
    client      TEXT,
    detail      TEXT
);
CREATE INDEX audit_log_account ON audit_log(account_id, at);

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
