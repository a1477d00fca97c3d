-- +goose Up
CREATE TABLE pos_devices (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    pocha_id     BIGINT UNSIGNED NOT NULL,
    name         VARCHAR(100)    NOT NULL DEFAULT '',
    token_hash   CHAR(64)        NOT NULL,
    created_at   DATETIME(6)     NOT NULL,
    last_seen_at DATETIME(6)     NULL,
    revoked_at   DATETIME(6)     NULL,
    UNIQUE KEY pos_devices_token (token_hash),
    KEY pos_devices_pocha (pocha_id, id),
    CONSTRAINT pos_devices_pocha_fk FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE pos_pairing_codes (
    code_hash  CHAR(64)        NOT NULL PRIMARY KEY,
    pocha_id   BIGINT UNSIGNED NOT NULL,
    created_by BIGINT UNSIGNED NOT NULL,
    expires_at DATETIME(6)     NOT NULL,
    used_at    DATETIME(6)     NULL,
    created_at DATETIME(6)     NOT NULL,
    CONSTRAINT pos_pairing_codes_pocha FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE,
    CONSTRAINT pos_pairing_codes_user FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE device_acks (
    order_id  BIGINT UNSIGNED NOT NULL,
    device_id BIGINT UNSIGNED NOT NULL,
    acked_at  DATETIME(6)     NOT NULL,
    PRIMARY KEY (order_id, device_id),
    CONSTRAINT device_acks_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT device_acks_device FOREIGN KEY (device_id) REFERENCES pos_devices (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE payment_methods ADD COLUMN card_token_hash CHAR(64) NULL,
    ADD UNIQUE KEY payment_methods_card_token (card_token_hash);

ALTER TABLE orders ADD COLUMN pay_at_stall BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE orders DROP COLUMN pay_at_stall;
ALTER TABLE payment_methods DROP INDEX payment_methods_card_token, DROP COLUMN card_token_hash;
DROP TABLE device_acks;
DROP TABLE pos_pairing_codes;
DROP TABLE pos_devices;
