-- +goose Up
-- Objects (image bytes) kept in the database, so every instance serves them:
-- one row per object, its bytes in chunks of at most 256 KiB that belong to
-- one write (generation), so a replaced object never mixes two versions.
CREATE TABLE blobs (
    blob_key     VARCHAR(200)    NOT NULL PRIMARY KEY,
    generation   BIGINT          NOT NULL,
    content_type VARCHAR(255)    NOT NULL,
    size         BIGINT          NOT NULL,
    chunks       INT             NOT NULL,
    mod_time     DATETIME(6)     NOT NULL,
    UNIQUE KEY blobs_generation (generation)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE blob_chunks (
    generation BIGINT     NOT NULL,
    seq        INT        NOT NULL,
    data       MEDIUMBLOB NOT NULL,
    PRIMARY KEY (generation, seq)
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE blob_chunks;
DROP TABLE blobs;
