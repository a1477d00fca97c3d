-- +goose Up
CREATE TABLE favourites (
    user_id    BIGINT UNSIGNED NOT NULL,
    pocha_id   BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(6)     NOT NULL,
    PRIMARY KEY (user_id, pocha_id),
    CONSTRAINT favourites_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT favourites_pocha FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE favourites;
