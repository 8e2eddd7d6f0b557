-- Service catalogue (Alle Dienste A–Z) and organisational structure (Verwaltungsgliederung).
-- Lists are stored as JSON text; entries missing from an import are retired, never deleted.

CREATE TABLE org_units (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    parent_id      TEXT REFERENCES org_units(id),
    position       BIGINT NOT NULL,
    name           TEXT NOT NULL,
    abbreviation   TEXT,
    head           TEXT,
    address        TEXT,
    phone          TEXT,
    email          TEXT,
    opening_hours  TEXT,
    description    TEXT,
    fingerprint    TEXT NOT NULL,
    retired        BIGINT NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    updated_at     BIGINT NOT NULL
);

CREATE TABLE services (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    position          BIGINT NOT NULL,
    name              TEXT NOT NULL,
    synonyms          TEXT NOT NULL,
    short_text        TEXT NOT NULL,
    description       TEXT,
    requirements      TEXT NOT NULL,
    fees              TEXT,
    processing_time   TEXT,
    legal_basis       TEXT,
    leika_key         TEXT,
    procedure         TEXT NOT NULL CHECK (procedure IN ('online', 'external', 'in_person')),
    external_url      TEXT,
    account_required  BIGINT NOT NULL CHECK (account_required IN (0, 1)),
    unit_id           TEXT NOT NULL REFERENCES org_units(id),
    contacts          TEXT NOT NULL,
    life_situations   TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    retired           BIGINT NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    updated_at        BIGINT NOT NULL
);
CREATE INDEX services_unit ON services(unit_id);

-- Bumped by every import that changes something, so that every instance refreshes
-- its in-memory search index.
CREATE TABLE catalogue_version (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);
