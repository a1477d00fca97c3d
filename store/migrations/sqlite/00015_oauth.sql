-- +goose Up
CREATE TABLE oauth_identities (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    provider       TEXT     NOT NULL,
    subject        TEXT     NOT NULL,
    user_id        INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email          TEXT     NOT NULL DEFAULT '',
    email_verified INTEGER  NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities (user_id);

CREATE TABLE oauth_flows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT     NOT NULL,
    token_hash   TEXT     NOT NULL UNIQUE,
    binding_hash TEXT     NOT NULL,
    provider     TEXT     NOT NULL,
    payload      TEXT     NOT NULL,
    expires_at   DATETIME NOT NULL,
    used_at      DATETIME NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX oauth_flows_expires ON oauth_flows (expires_at);

-- +goose Down
DROP TABLE oauth_flows;
DROP TABLE oauth_identities;
