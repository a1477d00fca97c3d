-- +goose Up
-- The upload quota counts a user's pictures that nothing references, and the
-- collector looks for old unreferenced ones: both ask "does a stall or a menu
-- item use this picture?", which these indexes answer without a scan.
CREATE INDEX pochas_main_image_id ON pochas (main_image_id);
CREATE INDEX menu_items_image_id ON menu_items (image_id);
CREATE INDEX images_created_at ON images (created_at);

-- +goose Down
DROP INDEX images_created_at;
DROP INDEX menu_items_image_id;
DROP INDEX pochas_main_image_id;
