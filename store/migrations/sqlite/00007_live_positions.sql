-- +goose Up
-- The last position of each open stall, so the live map survives a restart of
-- its index (the in-memory default, or a Redis that came back empty).
CREATE TABLE live_positions (
    pocha_id INTEGER  NOT NULL PRIMARY KEY REFERENCES pochas (id) ON DELETE CASCADE,
    lat      REAL     NOT NULL,
    lng      REAL     NOT NULL,
    at       DATETIME NOT NULL,
    seen     DATETIME NOT NULL
);

-- +goose Down
DROP TABLE live_positions;
