-- +goose Up
CREATE TABLE favourites (
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pocha_id   INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, pocha_id)
);

-- +goose Down
DROP TABLE favourites;
