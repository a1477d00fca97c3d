-- +goose Up
-- The collector of unreferenced pictures scans them oldest first. (The
-- "does a stall or a menu item use it?" lookups use the indexes of the
-- foreign keys pochas_main_image and menu_items_image.)
CREATE INDEX images_created_at ON images (created_at);

-- +goose Down
DROP INDEX images_created_at ON images;
