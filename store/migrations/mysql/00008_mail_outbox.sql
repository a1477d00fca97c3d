-- +goose Up
CREATE TABLE mail_outbox (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    to_addr         VARCHAR(320)    NOT NULL,
    subject         VARCHAR(500)    NOT NULL,
    text_body       TEXT            NOT NULL,
    html_body       TEXT            NOT NULL,
    kind            VARCHAR(32)     NOT NULL DEFAULT '',
    status          VARCHAR(16)     NOT NULL DEFAULT 'pending',
    attempts        INT             NOT NULL DEFAULT 0,
    last_error      VARCHAR(500)    NOT NULL DEFAULT '',
    next_attempt_at DATETIME(6)     NOT NULL,
    sent_at         DATETIME(6)     NULL,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    KEY mail_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE mail_outbox;
