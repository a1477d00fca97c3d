-- +goose Up
CREATE TABLE users (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    login_id      VARCHAR(64) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    nickname      VARCHAR(64) NOT NULL,
    email         VARCHAR(254) NOT NULL,
    phone         VARCHAR(32)  NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    verified      BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY users_login_id (login_id),
    CONSTRAINT users_role CHECK (role IN ('customer', 'owner', 'admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin       NOT NULL,
    user_id     BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(6)     NOT NULL,
    expires_at  DATETIME(6)     NOT NULL,
    UNIQUE KEY sessions_token_hash (token_hash),
    KEY sessions_user_id (user_id),
    CONSTRAINT sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE images (
    id           CHAR(36) CHARACTER SET ascii COLLATE ascii_bin      NOT NULL PRIMARY KEY,
    owner_id     BIGINT UNSIGNED NOT NULL,
    name         VARCHAR(64)    NOT NULL,
    content_type VARCHAR(64)    NOT NULL,
    size         BIGINT          NOT NULL,
    width        INT             NOT NULL,
    height       INT             NOT NULL,
    created_at   DATETIME(6)     NOT NULL,
    KEY images_owner_id (owner_id),
    CONSTRAINT images_owner FOREIGN KEY (owner_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE pochas (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_id      BIGINT UNSIGNED NOT NULL,
    name          VARCHAR(100)    NOT NULL,
    description   TEXT            NOT NULL,
    notice        TEXT            NOT NULL,
    main_image_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin      NULL,
    hours         TEXT            NOT NULL,
    is_open       BOOLEAN         NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)     NOT NULL,
    updated_at    DATETIME(6)     NOT NULL,
    KEY pochas_owner_id (owner_id),
    CONSTRAINT pochas_owner FOREIGN KEY (owner_id) REFERENCES users (id),
    CONSTRAINT pochas_main_image FOREIGN KEY (main_image_id) REFERENCES images (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE menu_items (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    pocha_id    BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(100)    NOT NULL,
    description TEXT            NOT NULL,
    price       BIGINT          NOT NULL,
    image_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin      NULL,
    sold_out    BOOLEAN         NOT NULL DEFAULT FALSE,
    position    INT             NOT NULL DEFAULT 0,
    created_at  DATETIME(6)     NOT NULL,
    updated_at  DATETIME(6)     NOT NULL,
    KEY menu_items_pocha_id (pocha_id, position),
    CONSTRAINT menu_items_pocha FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE,
    CONSTRAINT menu_items_image FOREIGN KEY (image_id) REFERENCES images (id),
    CONSTRAINT menu_items_price CHECK (price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE menu_items;
DROP TABLE pochas;
DROP TABLE images;
DROP TABLE sessions;
DROP TABLE users;
