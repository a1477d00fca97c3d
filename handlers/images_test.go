package handlers

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// upload posts data as the multipart field "file".
func (a *testAPI) upload(token, filename string, data io.Reader) response {
	a.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("file", filename)
		_, err := io.Copy(fw, data)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", a.http.URL+"/api/v1/images", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := a.http.Client().Do(req)
	if err != nil {
		return response{Status: 0, Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func smallPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, x%30, color.RGBA{10, 200, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is a valid PNG header declaring 100000 x 100000 pixels with a tiny body.
func bombPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// storedFiles counts the files in the image folder.
func storedFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestImages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	api := newTestAPI(t, "sqlite", func(d *Deps) {
		b, err := blobOpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		d.Images = b
	})
	token, _ := api.signupLogin("uploader", "owner")

	tests := []struct {
		name   string
		file   string
		data   func() io.Reader
		status int
		code   string
	}{
		{"text_named_jpg", "menu.jpg", func() io.Reader { return strings.NewReader("this is not a picture at all, just text") }, 415, "unsupported_image"},
		{"decompression_bomb", "bomb.png", func() io.Reader { return bytes.NewReader(bombPNG()) }, 422, "image_too_many_pixels"},
		{"twenty_megabytes", "big.jpg", func() io.Reader { return io.LimitReader(zeroReader{}, 20<<20) }, 413, ""},
		{"truncated_png", "cut.png", func() io.Reader { return bytes.NewReader(smallPNG(t)[:60]) }, 422, "corrupt_image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := api.upload(token, tc.file, tc.data())
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
			}
			if tc.code != "" {
				if p := res.problem(t); p.Code != tc.code {
					t.Fatalf("code %q, want %q", p.Code, tc.code)
				}
			}
		})
	}
	if n := storedFiles(t, dir); n != 0 {
		t.Fatalf("refused uploads left %d files", n)
	}

	// A good picture: stored under a UUID, served with the right headers.
	var img imageResponse
	res := api.upload(token, "../../etc/passwd.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201)
	res.decode(t, &img)
	if !check.UUID(img.ID) || img.Width != 40 || img.Height != 30 || img.ContentType != "image/png" {
		t.Fatalf("uploaded: %+v", img)
	}
	got := api.do("GET", img.URL, "", nil).mustStatus(t, 200)
	if got.Header.Get("Content-Type") != "image/png" || got.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(got.Header.Get("Cache-Control"), "immutable") || got.Header.Get("ETag") == "" {
		t.Fatalf("headers: %v", got.Header)
	}
	if _, err := png.Decode(bytes.NewReader(got.Body)); err != nil {
		t.Fatalf("served bytes are not a PNG: %v", err)
	}
	api.do("GET", img.URL, "", nil, "If-None-Match", got.Header.Get("ETag")).mustStatus(t, http.StatusNotModified)
	api.do("GET", "/api/v1/images/not-a-uuid", "", nil).mustStatus(t, 404)
	api.do("GET", "/api/v1/images/0b5c7f9e-3a52-4c1e-9d7e-2f9a8f0a1b2c", "", nil).mustStatus(t, 404)
	api.upload("", "x.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 401)
	if n := storedFiles(t, dir); n < 1 {
		t.Fatal("the good picture was not stored")
	}

	// Another user cannot attach this picture to their stall.
	other, _ := api.signupLogin("thief", "owner")
	api.do("POST", "/api/v1/pochas", other, map[string]any{"name": "x", "main_image_id": img.ID}).mustStatus(t, 422)
	api.do("POST", "/api/v1/pochas", token, map[string]any{"name": "x", "main_image_id": img.ID}).mustStatus(t, 201)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

// TestImageQuotaAndDelete: past the quota of unused pictures an upload is
// refused (413 image_quota_exceeded, in Korean) and nothing is stored; the
// uploader deletes an unused picture of theirs (not a used one, not
// another's), which makes room again.
func TestImageQuotaAndDelete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	api := newTestAPI(t, "sqlite", func(d *Deps) {
		b, err := blobOpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		d.Images = b
		d.Options.ImageQuota = store.ImageQuota{Unreferenced: 2, Bytes: 1 << 20}
	})
	token, _ := api.signupLogin("quota_owner", "owner")
	var a, b imageResponse
	api.upload(token, "a.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201).decode(t, &a)
	api.upload(token, "b.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201).decode(t, &b)
	res := api.upload(token, "c.png", bytes.NewReader(smallPNG(t))).mustStatus(t, http.StatusRequestEntityTooLarge)
	if p := res.problem(t); p.Code != "image_quota_exceeded" || !strings.Contains(p.Detail, "2장") {
		t.Fatalf("problem %+v", p)
	}
	if n := storedFiles(t, dir); n != 2*2 { // each picture with its attributes file
		t.Fatalf("%d files stored, want 4", n)
	}
	// Another user has their own quota, and cannot delete this user's picture.
	other, _ := api.signupLogin("quota_other", "customer")
	api.upload(other, "o.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201)
	api.do("DELETE", a.URL, other, nil).mustStatus(t, 404)
	api.do("DELETE", a.URL, "", nil).mustStatus(t, 401)

	// A picture a stall uses leaves the unused quota and cannot be deleted.
	api.do("POST", "/api/v1/pochas", token, map[string]any{"name": "사진 포차", "main_image_id": a.ID}).mustStatus(t, 201)
	var c imageResponse
	api.upload(token, "c.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201).decode(t, &c)
	if p := api.do("DELETE", a.URL, token, nil).mustStatus(t, 409).problem(t); p.Code != "image_in_use" {
		t.Fatalf("problem %+v", p)
	}
	api.upload(token, "d.png", bytes.NewReader(smallPNG(t))).mustStatus(t, http.StatusRequestEntityTooLarge)
	api.do("DELETE", b.URL, token, nil).mustStatus(t, 204)
	api.do("GET", b.URL, "", nil).mustStatus(t, 404)
	api.do("DELETE", b.URL, token, nil).mustStatus(t, 404)
	api.do("GET", a.URL, "", nil).mustStatus(t, 200)
	api.upload(token, "d.png", bytes.NewReader(smallPNG(t))).mustStatus(t, 201)
	if n := storedFiles(t, dir); n != 4*2 { // a, c, d and the other user's
		t.Fatalf("%d files stored, want 8", n)
	}
}
