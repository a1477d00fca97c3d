-- +goose Up
CREATE TABLE reviews (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    pocha_id      BIGINT UNSIGNED NOT NULL,
    order_id      BIGINT UNSIGNED NOT NULL,
    author_id     BIGINT UNSIGNED NOT NULL,
    stars         TINYINT         NOT NULL,
    content       TEXT            NOT NULL,
    is_public     BOOLEAN         NOT NULL DEFAULT TRUE,
    reply_content TEXT            NULL,
    replied_at    DATETIME(6)     NULL,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    UNIQUE KEY reviews_order (order_id),
    KEY reviews_pocha (pocha_id, id),
    KEY reviews_pocha_public (pocha_id, is_public, created_at),
    KEY reviews_author (author_id, id),
    CONSTRAINT reviews_pocha_fk FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE,
    CONSTRAINT reviews_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT reviews_author_fk FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT reviews_stars CHECK (stars BETWEEN 1 AND 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE reviews;
