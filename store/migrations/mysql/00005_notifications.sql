-- +goose Up
CREATE TABLE notifications (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT UNSIGNED NOT NULL,
    sender_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
    kind        VARCHAR(32)     NOT NULL,
    title       VARCHAR(200)    NOT NULL,
    body        VARCHAR(2000)   NOT NULL DEFAULT '',
    data        VARCHAR(1000)   NOT NULL DEFAULT '{}',
    read_at     DATETIME(6)     NULL,
    created_at  DATETIME(6)     NOT NULL,
    KEY notifications_receiver (receiver_id, id),
    KEY notifications_unread (receiver_id, read_at),
    CONSTRAINT notifications_receiver_fk FOREIGN KEY (receiver_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE notifications;
