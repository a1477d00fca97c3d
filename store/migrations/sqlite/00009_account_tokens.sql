-- +goose Up
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT     NOT NULL,
    token_hash TEXT     NOT NULL UNIQUE,
    email      TEXT     NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    used_at    DATETIME NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX users_email ON users (email);

-- +goose Down
DROP INDEX users_email;
DROP TABLE account_tokens;
