-- +goose Up
ALTER TABLE pochas ADD COLUMN category TEXT NOT NULL DEFAULT '';
CREATE INDEX pochas_category ON pochas (category, id);

-- +goose Down
DROP INDEX pochas_category;
ALTER TABLE pochas DROP COLUMN category;
