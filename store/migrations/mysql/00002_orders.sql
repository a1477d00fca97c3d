-- +goose Up
CREATE TABLE orders (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id      BIGINT UNSIGNED NOT NULL,
    pocha_id         BIGINT UNSIGNED NOT NULL,
    status           VARCHAR(16)     NOT NULL,
    total            BIGINT          NOT NULL,
    ready_in_minutes INT             NULL,
    ready_at         DATETIME(6)     NULL,
    paid_at          DATETIME(6)     NULL,
    accepted_at      DATETIME(6)     NULL,
    cancel_reason    VARCHAR(500)    NOT NULL DEFAULT '',
    cancelled_by     VARCHAR(16)     NOT NULL DEFAULT '',
    refund_status    VARCHAR(16)     NOT NULL DEFAULT '',
    created_at       DATETIME(6)     NOT NULL,
    updated_at       DATETIME(6)     NOT NULL,
    KEY orders_customer (customer_id, id),
    KEY orders_pocha (pocha_id, id),
    KEY orders_pocha_paid (pocha_id, paid_at),
    KEY orders_status_paid (status, paid_at),
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES users (id),
    CONSTRAINT orders_pocha_fk FOREIGN KEY (pocha_id) REFERENCES pochas (id),
    CONSTRAINT orders_status CHECK (status IN ('pending_payment', 'paid', 'accepted', 'ready', 'completed', 'cancelled')),
    CONSTRAINT orders_total CHECK (total > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_items (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id     BIGINT UNSIGNED NOT NULL,
    menu_item_id BIGINT UNSIGNED NOT NULL,
    name         VARCHAR(100)    NOT NULL,
    unit_price   BIGINT          NOT NULL,
    quantity     INT             NOT NULL,
    line_total   BIGINT          NOT NULL,
    KEY order_items_order (order_id),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_price CHECK (unit_price >= 0),
    CONSTRAINT order_items_quantity CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_events (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id    BIGINT UNSIGNED NOT NULL,
    from_status VARCHAR(16)     NOT NULL,
    to_status   VARCHAR(16)     NOT NULL,
    actor_id    BIGINT UNSIGNED NOT NULL DEFAULT 0,
    reason      VARCHAR(500)    NOT NULL DEFAULT '',
    created_at  DATETIME(6)     NOT NULL,
    KEY order_events_order (order_id, id),
    CONSTRAINT order_events_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payments (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id      BIGINT UNSIGNED NOT NULL,
    payment_key   VARCHAR(200)    NOT NULL,
    attempt       INT             NOT NULL DEFAULT 1,
    amount        BIGINT          NOT NULL,
    status        VARCHAR(16)     NOT NULL,
    method        VARCHAR(32)     NOT NULL DEFAULT '',
    card_company  VARCHAR(32)     NOT NULL DEFAULT '',
    card_number   VARCHAR(32)     NOT NULL DEFAULT '',
    approved_at   DATETIME(6)     NULL,
    next_check_at DATETIME(6)     NOT NULL,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    UNIQUE KEY payments_order (order_id),
    KEY payments_status_check (status, next_check_at),
    CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT payments_status CHECK (status IN ('pending', 'unknown', 'done', 'rejected', 'failed', 'cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE refunds (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id        BIGINT UNSIGNED NOT NULL,
    amount          BIGINT          NOT NULL,
    reason          VARCHAR(500)    NOT NULL,
    status          VARCHAR(16)     NOT NULL,
    attempts        INT             NOT NULL DEFAULT 0,
    last_error      VARCHAR(500)    NOT NULL DEFAULT '',
    next_attempt_at DATETIME(6)     NOT NULL,
    done_at         DATETIME(6)     NULL,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    UNIQUE KEY refunds_order (order_id),
    KEY refunds_status_next (status, next_attempt_at),
    CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT refunds_status CHECK (status IN ('pending', 'done', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE idempotency_keys (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id         BIGINT UNSIGNED NOT NULL,
    idem_key        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash    CHAR(64) CHARACTER SET ascii COLLATE ascii_bin    NOT NULL,
    state           VARCHAR(16)     NOT NULL,
    response_status INT             NOT NULL DEFAULT 0,
    response_body   MEDIUMBLOB      NULL,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    UNIQUE KEY idempotency_user_key (user_id, idem_key),
    CONSTRAINT idempotency_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT idempotency_state CHECK (state IN ('processing', 'done'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_methods (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       BIGINT UNSIGNED NOT NULL,
    brand         VARCHAR(32)     NOT NULL,
    masked_number VARCHAR(32)     NOT NULL,
    billing_key   VARCHAR(200)    NOT NULL,
    nickname      VARCHAR(100)    NOT NULL DEFAULT '',
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    KEY payment_methods_user (user_id, id),
    CONSTRAINT payment_methods_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE payment_methods;
DROP TABLE idempotency_keys;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE order_events;
DROP TABLE order_items;
DROP TABLE orders;
