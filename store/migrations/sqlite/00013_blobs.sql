-- +goose Up
-- Objects (image bytes) kept in the database, so every instance serves them:
-- one row per object, its bytes in chunks of at most 256 KiB that belong to
-- one write (generation), so a replaced object never mixes two versions.
CREATE TABLE blobs (
    blob_key     TEXT     NOT NULL PRIMARY KEY,
    generation   INTEGER  NOT NULL UNIQUE,
    content_type TEXT     NOT NULL,
    size         INTEGER  NOT NULL,
    chunks       INTEGER  NOT NULL,
    mod_time     DATETIME NOT NULL
);

CREATE TABLE blob_chunks (
    generation INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    PRIMARY KEY (generation, seq)
);

-- +goose Down
DROP TABLE blob_chunks;
DROP TABLE blobs;
