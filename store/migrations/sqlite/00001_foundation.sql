-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login_id      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    nickname      TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'owner', 'admin')),
    verified      INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT     NOT NULL UNIQUE,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE images (
    id           TEXT     PRIMARY KEY,
    owner_id     INTEGER  NOT NULL REFERENCES users (id),
    name         TEXT     NOT NULL,
    content_type TEXT     NOT NULL,
    size         INTEGER  NOT NULL,
    width        INTEGER  NOT NULL,
    height       INTEGER  NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX images_owner_id ON images (owner_id);

CREATE TABLE pochas (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id      INTEGER  NOT NULL REFERENCES users (id),
    name          TEXT     NOT NULL,
    description   TEXT     NOT NULL DEFAULT '',
    notice        TEXT     NOT NULL DEFAULT '',
    main_image_id TEXT     NULL REFERENCES images (id),
    hours         TEXT     NOT NULL DEFAULT '{}',
    is_open       INTEGER  NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX pochas_owner_id ON pochas (owner_id);

CREATE TABLE menu_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pocha_id    INTEGER  NOT NULL REFERENCES pochas (id) ON DELETE CASCADE,
    name        TEXT     NOT NULL,
    description TEXT     NOT NULL DEFAULT '',
    price       INTEGER  NOT NULL CHECK (price >= 0),
    image_id    TEXT     NULL REFERENCES images (id),
    sold_out    INTEGER  NOT NULL DEFAULT 0,
    position    INTEGER  NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX menu_items_pocha_id ON menu_items (pocha_id, position);

-- +goose Down
DROP TABLE menu_items;
DROP TABLE pochas;
DROP TABLE images;
DROP TABLE sessions;
DROP TABLE users;
