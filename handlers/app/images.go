package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
)

// openImages opens the image storage ILLUWA_IMAGE_STORE names: the
// database (every instance on it serves every image), or the folder
// <data dir>/images (one instance only). With the database, a folder left
// from before still serves the images uploaded into it.
func openImages(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (blob.Storage, error) {
	dir := filepath.Join(cfg.DataDir, "images")
	if cfg.ImageStore == "folder" {
		return blob.OpenDir(ctx, dir)
	}
	db := st.Blobs(0)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return db, nil // no folder, or an empty one: nothing to keep serving
	}
	older, err := blob.OpenDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("images uploaded before, in %s: %w", dir, err)
	}
	log.Info("images go to the database; those uploaded before are still served from the folder", "folder", dir)
	return blob.NewFallback(db, older), nil
}
