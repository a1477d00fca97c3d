-- +goose Up
-- Web Push subscriptions: one row per browser endpoint (the hash keeps the
-- unique key short for every backend).
CREATE TABLE push_subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint      TEXT     NOT NULL,
    endpoint_hash TEXT     NOT NULL UNIQUE,
    p256dh        TEXT     NOT NULL,
    auth          TEXT     NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Push messages waiting to be delivered (or the record of a delivery).
CREATE TABLE push_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER  NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    payload         TEXT     NOT NULL,
    kind            TEXT     NOT NULL DEFAULT '',
    status          TEXT     NOT NULL DEFAULT 'pending',
    attempts        INTEGER  NOT NULL DEFAULT 0,
    last_error      TEXT     NOT NULL DEFAULT '',
    next_attempt_at DATETIME NOT NULL,
    sent_at         DATETIME NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX push_outbox_due ON push_outbox (status, next_attempt_at);

-- Keys the server makes once and every instance shares (the VAPID pair).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT     NOT NULL,
    created_at DATETIME NOT NULL
);

-- Notification preferences; a user without a row has the defaults.
CREATE TABLE notification_settings (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    channels    TEXT     NOT NULL,
    quiet_start TEXT     NOT NULL DEFAULT '',
    quiet_end   TEXT     NOT NULL DEFAULT '',
    updated_at  DATETIME NOT NULL
);

-- Saved places (home, office) with an alert radius.
CREATE TABLE saved_places (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT     NOT NULL,
    lat            REAL     NOT NULL,
    lng            REAL     NOT NULL,
    radius_m       INTEGER  NOT NULL,
    alert_any_open INTEGER  NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL
);
CREATE INDEX saved_places_user ON saved_places (user_id);
CREATE INDEX saved_places_created ON saved_places (created_at);

-- When a customer was last told that a stall opened: at most one alert per
-- stall per customer per window, across instances.
CREATE TABLE open_alerts (
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pocha_id   INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    alerted_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, pocha_id)
);

-- +goose Down
DROP TABLE open_alerts;
DROP TABLE saved_places;
DROP TABLE notification_settings;
DROP TABLE server_keys;
DROP TABLE push_outbox;
DROP TABLE push_subscriptions;
