-- +goose Up
ALTER TABLE users ADD COLUMN left_at DATETIME NULL;

-- +goose Down
ALTER TABLE users DROP COLUMN left_at;
