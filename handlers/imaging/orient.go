package imaging

import (
	"image"
	"image/draw"
)

// orient returns img turned so that it displays upright, given its EXIF
// orientation o (1 = already upright; 2-8 mirror and/or rotate). Values
// outside 2..8 return img unchanged.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dr := image.Rect(0, 0, dw, dh)
	switch m := img.(type) {
	case *image.YCbCr:
		return orientYCbCr(m, o)
	case *image.Gray:
		pix := orientPix(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 1, w, h, o)
		return &image.Gray{Pix: pix, Stride: dw, Rect: dr}
	case *image.CMYK:
		pix := orientPix(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4, w, h, o)
		return &image.CMYK{Pix: pix, Stride: 4 * dw, Rect: dr}
	default:
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		pix := orientPix(rgba.Pix, rgba.Stride, 4, w, h, o)
		return &image.RGBA{Pix: pix, Stride: 4 * dw, Rect: dr}
	}
}

// target returns where pixel (x, y) of a w×h picture lands under EXIF
// orientation o.
func target(o, w, h, x, y int) (int, int) {
	switch o {
	case 2: // mirrored left-right
		return w - 1 - x, y
	case 3: // turned 180°
		return w - 1 - x, h - 1 - y
	case 4: // mirrored top-bottom
		return x, h - 1 - y
	case 5: // mirrored along the main diagonal
		return y, x
	case 6: // needs a 90° clockwise turn
		return h - 1 - y, x
	case 7: // mirrored along the other diagonal
		return h - 1 - y, w - 1 - x
	case 8: // needs a 90° counter-clockwise turn
		return y, w - 1 - x
	}
	return x, y
}

// orientPix moves the pixels of a packed w×h picture (bpp bytes each, rows
// stride bytes apart) to a new, tightly packed buffer under orientation o.
func orientPix(pix []byte, stride, bpp, w, h, o int) []byte {
	dw := w
	if o >= 5 {
		dw = h
	}
	out := make([]byte, w*h*bpp)
	for y := 0; y < h; y++ {
		row := pix[y*stride:]
		for x := 0; x < w; x++ {
			dx, dy := target(o, w, h, x, y)
			copy(out[(dy*dw+dx)*bpp:][:bpp], row[x*bpp:][:bpp])
		}
	}
	return out
}

// orientYCbCr turns a YCbCr picture of any chroma subsampling into a 4:4:4
// one under orientation o, copying samples without colour conversion.
func orientYCbCr(m *image.YCbCr, o int) *image.YCbCr {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio444)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := m.COffset(b.Min.X+x, b.Min.Y+y)
			dx, dy := target(o, w, h, x, y)
			di := dy*out.YStride + dx // 4:4:4, so CStride == YStride
			out.Y[di] = m.Y[yi]
			out.Cb[di] = m.Cb[ci]
			out.Cr[di] = m.Cr[ci]
		}
	}
	return out
}
