-- +goose Up
ALTER TABLE users ADD COLUMN left_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE users DROP COLUMN left_at;
