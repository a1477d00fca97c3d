-- +goose Up
ALTER TABLE pochas ADD COLUMN category VARCHAR(32) NOT NULL DEFAULT '';
CREATE INDEX pochas_category ON pochas (category, id);

-- +goose Down
DROP INDEX pochas_category ON pochas;
ALTER TABLE pochas DROP COLUMN category;
