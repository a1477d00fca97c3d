-- +goose Up
CREATE TABLE order_acks (
    order_id INTEGER  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    user_id  INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acked_at DATETIME NOT NULL,
    PRIMARY KEY (order_id, user_id)
);

-- +goose Down
DROP TABLE order_acks;
