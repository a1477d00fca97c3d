-- +goose Up
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sender_id   INTEGER  NOT NULL DEFAULT 0,
    kind        TEXT     NOT NULL,
    title       TEXT     NOT NULL,
    body        TEXT     NOT NULL DEFAULT '',
    data        TEXT     NOT NULL DEFAULT '{}',
    read_at     DATETIME NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX notifications_receiver ON notifications (receiver_id, id);
CREATE INDEX notifications_unread ON notifications (receiver_id, read_at);

-- +goose Down
DROP TABLE notifications;
