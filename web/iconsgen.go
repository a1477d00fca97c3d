//go:build ignore

// iconsgen draws the app's icons (static/icons/*.png) from the same shapes
// as static/icons/icon.svg: a red square, a white tent with a yellow lantern.
// Run it with `go run iconsgen.go` from web/ after changing the design.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
)

// The design on a 100×100 canvas.
var (
	red     = color.RGBA{0xc6, 0x3f, 0x2a, 0xff}
	white   = color.RGBA{0xff, 0xff, 0xff, 0xff}
	yellow  = color.RGBA{0xf5, 0xc5, 0x42, 0xff}
	roof    = [][2]float64{{50, 22}, {80, 48}, {20, 48}}
	body    = [][2]float64{{27, 48}, {73, 48}, {73, 76}, {27, 76}}
	door    = [][2]float64{{43, 58}, {57, 58}, {57, 76}, {43, 76}}
	lantern = [3]float64{50, 40, 5} // centre and radius
)

func inPolygon(x, y float64, p [][2]float64) bool {
	in := false
	for i, j := 0, len(p)-1; i < len(p); j, i = i, i+1 {
		if (p[i][1] > y) != (p[j][1] > y) && x < (p[j][0]-p[i][0])*(y-p[i][1])/(p[j][1]-p[i][1])+p[i][0] {
			in = !in
		}
	}
	return in
}

// colourAt is the design's colour at (x, y) of the 100×100 canvas; scale
// shrinks the drawing towards the centre (maskable icons keep a safe zone).
func colourAt(x, y, scale float64) color.RGBA {
	x, y = 50+(x-50)/scale, 50+(y-50)/scale
	dx, dy := x-lantern[0], y-lantern[1]
	switch {
	case dx*dx+dy*dy <= lantern[2]*lantern[2]:
		return yellow
	case inPolygon(x, y, door):
		return red
	case inPolygon(x, y, roof), inPolygon(x, y, body):
		return white
	}
	return red
}

func draw(size int, scale float64, name string) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // 4×4 samples a pixel
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) * 100 / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) * 100 / float64(size)
					c := colourAt(x, y, scale)
					r, g, b = r+int(c.R), g+int(c.G), b+int(c.B)
				}
			}
			n := ss * ss
			img.Set(px, py, color.RGBA{uint8(r / n), uint8(g / n), uint8(b / n), 0xff})
		}
	}
	f, err := os.Create("static/icons/" + name)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	draw(192, 1, "icon-192.png")
	draw(512, 1, "icon-512.png")
	draw(512, 0.8, "maskable-512.png")
}
