-- +goose Up
CREATE TABLE orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id      INTEGER  NOT NULL REFERENCES users (id),
    pocha_id         INTEGER  NOT NULL REFERENCES pochas (id),
    status           TEXT     NOT NULL CHECK (status IN ('pending_payment', 'paid', 'accepted', 'ready', 'completed', 'cancelled')),
    total            INTEGER  NOT NULL CHECK (total > 0),
    ready_in_minutes INTEGER  NULL,
    ready_at         DATETIME NULL,
    paid_at          DATETIME NULL,
    accepted_at      DATETIME NULL,
    cancel_reason    TEXT     NOT NULL DEFAULT '',
    cancelled_by     TEXT     NOT NULL DEFAULT '',
    refund_status    TEXT     NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_pocha ON orders (pocha_id, id);
CREATE INDEX orders_pocha_paid ON orders (pocha_id, paid_at);
CREATE INDEX orders_status_paid ON orders (status, paid_at);

CREATE TABLE order_items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    menu_item_id INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    unit_price   INTEGER NOT NULL CHECK (unit_price >= 0),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    line_total   INTEGER NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status TEXT     NOT NULL,
    to_status   TEXT     NOT NULL,
    actor_id    INTEGER  NOT NULL DEFAULT 0,
    reason      TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER  NOT NULL UNIQUE REFERENCES orders (id),
    payment_key   TEXT     NOT NULL,
    attempt       INTEGER  NOT NULL DEFAULT 1,
    amount        INTEGER  NOT NULL,
    status        TEXT     NOT NULL CHECK (status IN ('pending', 'unknown', 'done', 'rejected', 'failed', 'cancelled')),
    method        TEXT     NOT NULL DEFAULT '',
    card_company  TEXT     NOT NULL DEFAULT '',
    card_number   TEXT     NOT NULL DEFAULT '',
    approved_at   DATETIME NULL,
    next_check_at DATETIME NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX payments_status_check ON payments (status, next_check_at);

CREATE TABLE refunds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        INTEGER  NOT NULL UNIQUE REFERENCES orders (id),
    amount          INTEGER  NOT NULL,
    reason          TEXT     NOT NULL,
    status          TEXT     NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts        INTEGER  NOT NULL DEFAULT 0,
    last_error      TEXT     NOT NULL DEFAULT '',
    next_attempt_at DATETIME NOT NULL,
    done_at         DATETIME NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX refunds_status_next ON refunds (status, next_attempt_at);

CREATE TABLE idempotency_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key        TEXT     NOT NULL,
    request_hash    TEXT     NOT NULL,
    state           TEXT     NOT NULL CHECK (state IN ('processing', 'done')),
    response_status INTEGER  NOT NULL DEFAULT 0,
    response_body   BLOB     NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (user_id, idem_key)
);

CREATE TABLE payment_methods (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    brand         TEXT     NOT NULL,
    masked_number TEXT     NOT NULL,
    billing_key   TEXT     NOT NULL,
    nickname      TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX payment_methods_user ON payment_methods (user_id, id);

-- +goose Down
DROP TABLE payment_methods;
DROP TABLE idempotency_keys;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE order_events;
DROP TABLE order_items;
DROP TABLE orders;
