-- +goose Up
CREATE TABLE pos_devices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pocha_id     INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    name         TEXT     NOT NULL DEFAULT '',
    token_hash   TEXT     NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX pos_devices_pocha ON pos_devices (pocha_id, id);

CREATE TABLE pos_pairing_codes (
    code_hash  TEXT     NOT NULL PRIMARY KEY,
    pocha_id   INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    created_by INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME,
    created_at DATETIME NOT NULL
);

CREATE TABLE device_acks (
    order_id  INTEGER  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    device_id INTEGER  NOT NULL REFERENCES pos_devices (id) ON DELETE CASCADE,
    acked_at  DATETIME NOT NULL,
    PRIMARY KEY (order_id, device_id)
);

ALTER TABLE payment_methods ADD COLUMN card_token_hash TEXT;
CREATE UNIQUE INDEX payment_methods_card_token ON payment_methods (card_token_hash);

ALTER TABLE orders ADD COLUMN pay_at_stall BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN pay_at_stall;
DROP INDEX payment_methods_card_token;
ALTER TABLE payment_methods DROP COLUMN card_token_hash;
DROP TABLE device_acks;
DROP TABLE pos_pairing_codes;
DROP TABLE pos_devices;
