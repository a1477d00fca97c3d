-- +goose Up
CREATE TABLE oauth_identities (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    provider       VARCHAR(16)     NOT NULL,
    subject        VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id        BIGINT UNSIGNED NOT NULL,
    email          VARCHAR(254)    NOT NULL DEFAULT '',
    email_verified BOOLEAN         NOT NULL DEFAULT FALSE,
    created_at     DATETIME(6)     NOT NULL,
    UNIQUE KEY oauth_identities_subject (provider, subject),
    KEY oauth_identities_user (user_id),
    CONSTRAINT oauth_identities_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE oauth_flows (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind         VARCHAR(16)     NOT NULL,
    token_hash   CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    binding_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    provider     VARCHAR(16)     NOT NULL,
    payload      TEXT            NOT NULL,
    expires_at   DATETIME(6)     NOT NULL,
    used_at      DATETIME(6)     NULL,
    created_at   DATETIME(6)     NOT NULL,
    UNIQUE KEY oauth_flows_hash (token_hash),
    KEY oauth_flows_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE oauth_flows;
DROP TABLE oauth_identities;
