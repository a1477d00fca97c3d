package app

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// getImage fetches an image path from in and returns its status and bytes.
func getImage(t *testing.T, in *instance, path string) (int, []byte, http.Header) {
	t.Helper()
	res, err := http.Get(in.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, data, res.Header
}

// TestImagesServedByEveryInstance: a picture uploaded through instance A
// is served by instance B, which has a data folder of its own, because both
// keep images in their one MariaDB.
func TestImagesServedByEveryInstance(t *testing.T) {
	db := storetest.URL(t, store.MySQL)
	a := start(t, map[string]string{"ILLUWA_DATABASE_URL": db})
	b := start(t, map[string]string{"ILLUWA_DATABASE_URL": db})
	owner := a.account("owner-img", "owner")
	var img struct{ ID, URL string }
	a.call("POST", "/api/v1/images", owner, pngUpload(t), 201, &img)

	status, fromA, _ := getImage(t, a, img.URL)
	if status != 200 {
		t.Fatalf("A serves its own upload with %d", status)
	}
	status, fromB, h := getImage(t, b, img.URL)
	if status != 200 {
		t.Fatalf("B serves A's upload with %d, want 200", status)
	}
	if !bytes.Equal(fromA, fromB) || h.Get("Content-Type") != "image/png" {
		t.Fatalf("B served %d bytes of %s, A %d", len(fromB), h.Get("Content-Type"), len(fromA))
	}
	if _, err := png.Decode(bytes.NewReader(fromB)); err != nil {
		t.Fatalf("B's bytes are not the picture: %v", err)
	}
	if status, _, _ := getImage(t, b, "/api/v1/images/00000000-0000-4000-8000-000000000000"); status != 404 {
		t.Fatalf("an unknown image on B: %d, want 404", status)
	}
}

// TestImagesFromFolderStillServed: after the switch to the database, a
// picture an instance had stored in its folder is still served, and new
// uploads go to the database, not the folder. With ILLUWA_IMAGE_STORE=folder
// the folder is used as before.
func TestImagesFromFolderStillServed(t *testing.T) {
	dataDir := t.TempDir()
	db := storetest.URL(t, store.SQLite)
	env := map[string]string{"ILLUWA_DATABASE_URL": db, "ILLUWA_DATA_DIR": dataDir, "ILLUWA_IMAGE_STORE": "folder"}
	old := start(t, env)
	owner := old.account("owner-old", "owner")
	var before struct{ ID, URL string }
	old.call("POST", "/api/v1/images", owner, pngUpload(t), 201, &before)
	files, _ := os.ReadDir(filepath.Join(dataDir, "images"))
	if len(files) == 0 {
		t.Fatal("with ILLUWA_IMAGE_STORE=folder the upload is not in the folder")
	}

	env["ILLUWA_IMAGE_STORE"] = "database"
	in := start(t, env)
	if status, _, _ := getImage(t, in, before.URL); status != 200 {
		t.Fatalf("an image from the folder is served with %d after the switch", status)
	}
	var after struct{ ID, URL string }
	in.call("POST", "/api/v1/images", owner, pngUpload(t), 201, &after)
	for _, f := range mustReadDir(t, filepath.Join(dataDir, "images")) {
		if strings.HasPrefix(f, after.ID) {
			t.Fatalf("a new upload went to the folder: %s", f)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var img store.Image
	if img, err = st.ImageByID(context.Background(), after.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Blobs(0).Open(context.Background(), img.Name); err != nil {
		t.Fatalf("the new upload is not in the database: %v", err)
	}
	if _, _, err := st.Blobs(0).Open(context.Background(), before.ID+".png"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("the folder's image in the database: %v, want ErrNotFound (it stays in the folder)", err)
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
