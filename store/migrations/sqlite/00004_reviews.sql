-- +goose Up
CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pocha_id      INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    order_id      INTEGER  NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    author_id     INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stars         INTEGER  NOT NULL CHECK (stars BETWEEN 1 AND 5),
    content       TEXT     NOT NULL,
    is_public     INTEGER  NOT NULL DEFAULT 1,
    reply_content TEXT     NULL,
    replied_at    DATETIME NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX reviews_pocha ON reviews (pocha_id, id);
CREATE INDEX reviews_pocha_public ON reviews (pocha_id, is_public, created_at);
CREATE INDEX reviews_author ON reviews (author_id, id);

-- +goose Down
DROP TABLE reviews;
