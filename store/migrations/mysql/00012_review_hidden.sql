-- +goose Up
ALTER TABLE reviews ADD COLUMN hidden_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE reviews DROP COLUMN hidden_at;
