-- +goose Up
-- How many times the reconciler has looked the payment up since its confirm
-- began: the backoff between lookups doubles with it.
ALTER TABLE payments ADD COLUMN lookups INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE payments DROP COLUMN lookups;
