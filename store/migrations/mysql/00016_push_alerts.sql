-- +goose Up
-- Web Push subscriptions: one row per browser endpoint (the hash keeps the
-- unique key short).
CREATE TABLE push_subscriptions (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       BIGINT UNSIGNED NOT NULL,
    endpoint      VARCHAR(2048)   NOT NULL,
    endpoint_hash CHAR(64)        NOT NULL,
    p256dh        VARCHAR(128)    NOT NULL,
    auth          VARCHAR(64)     NOT NULL,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    UNIQUE KEY push_subscriptions_endpoint (endpoint_hash),
    KEY push_subscriptions_user (user_id),
    CONSTRAINT push_subscriptions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Push messages waiting to be delivered (or the record of a delivery).
CREATE TABLE push_outbox (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    subscription_id BIGINT UNSIGNED NOT NULL,
    payload         TEXT            NOT NULL,
    kind            VARCHAR(32)     NOT NULL DEFAULT '',
    status          VARCHAR(16)     NOT NULL DEFAULT 'pending',
    attempts        INT             NOT NULL DEFAULT 0,
    last_error      VARCHAR(500)    NOT NULL DEFAULT '',
    next_attempt_at DATETIME(6)     NOT NULL,
    sent_at         DATETIME(6)     NULL,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    KEY push_outbox_due (status, next_attempt_at),
    CONSTRAINT push_outbox_subscription FOREIGN KEY (subscription_id) REFERENCES push_subscriptions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Keys the server makes once and every instance shares (the VAPID pair).
CREATE TABLE server_keys (
    name       VARCHAR(64)  NOT NULL PRIMARY KEY,
    value      TEXT         NOT NULL,
    created_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Notification preferences; a user without a row has the defaults.
CREATE TABLE notification_settings (
    user_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    channels    TEXT            NOT NULL,
    quiet_start VARCHAR(5)      NOT NULL DEFAULT '',
    quiet_end   VARCHAR(5)      NOT NULL DEFAULT '',
    updated_at  DATETIME(6)     NOT NULL,
    CONSTRAINT notification_settings_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Saved places (home, office) with an alert radius.
CREATE TABLE saved_places (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id        BIGINT UNSIGNED NOT NULL,
    name           VARCHAR(100)    NOT NULL,
    lat            DOUBLE          NOT NULL,
    lng            DOUBLE          NOT NULL,
    radius_m       INT             NOT NULL,
    alert_any_open BOOLEAN         NOT NULL DEFAULT FALSE,
    created_at     DATETIME(6)     NOT NULL,
    KEY saved_places_user (user_id),
    KEY saved_places_created (created_at),
    CONSTRAINT saved_places_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- When a customer was last told that a stall opened: at most one alert per
-- stall per customer per window, across instances.
CREATE TABLE open_alerts (
    user_id    BIGINT UNSIGNED NOT NULL,
    pocha_id   BIGINT UNSIGNED NOT NULL,
    alerted_at DATETIME(6)     NOT NULL,
    PRIMARY KEY (user_id, pocha_id),
    CONSTRAINT open_alerts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT open_alerts_pocha FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE open_alerts;
DROP TABLE saved_places;
DROP TABLE notification_settings;
DROP TABLE server_keys;
DROP TABLE push_outbox;
DROP TABLE push_subscriptions;
