-- +goose Up
-- The last position of each open stall, so the live map survives a restart of
-- its index (the in-memory default, or a Redis that came back empty).
CREATE TABLE live_positions (
    pocha_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    lat      DOUBLE          NOT NULL,
    lng      DOUBLE          NOT NULL,
    at       DATETIME(6)     NOT NULL,
    seen     DATETIME(6)     NOT NULL,
    CONSTRAINT live_positions_pocha FOREIGN KEY (pocha_id) REFERENCES pochas (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE live_positions;
