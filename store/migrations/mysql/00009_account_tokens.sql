-- +goose Up
CREATE TABLE account_tokens (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT UNSIGNED NOT NULL,
    purpose    VARCHAR(16)     NOT NULL,
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    email      VARCHAR(254)    NOT NULL DEFAULT '',
    expires_at DATETIME(6)     NOT NULL,
    used_at    DATETIME(6)     NULL,
    created_at DATETIME(6)     NOT NULL,
    UNIQUE KEY account_tokens_hash (token_hash),
    KEY account_tokens_user (user_id, purpose),
    CONSTRAINT account_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX users_email ON users (email);

-- +goose Down
DROP INDEX users_email ON users;
DROP TABLE account_tokens;
