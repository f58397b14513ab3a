// Command icon draws Corso Desktop's app icon (a white shield with a
// keyhole on a blue rounded square) and writes it as a PNG:
//
//	go run ./scripts/icon Icon.png
//
// Shapes are defined as functions of the unit square and sampled 4x4 per
// pixel, so edges stay smooth at every size and small renderings (32x32)
// keep the shield and keyhole readable.
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const (
	size    = 1024
	samples = 4
)

var (
	topColor    = color.NRGBA{0x2B, 0x63, 0xE8, 0xFF}
	bottomColor = color.NRGBA{0x0E, 0x2A, 0x84, 0xFF}
	white       = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// inRoundedSquare is the icon's background: a square with round corners.
func inRoundedSquare(x, y float64) bool {
	const margin, radius = 0.04, 0.2

	cx := math.Max(math.Abs(x-0.5)-(0.5-margin-radius), 0)
	cy := math.Max(math.Abs(y-0.5)-(0.5-margin-radius), 0)

	return cx*cx+cy*cy <= radius*radius
}

// inShield: straight sides from the top, then curving in to a point.
func inShield(x, y float64) bool {
	const top, shoulder, bottom, half = 0.18, 0.50, 0.86, 0.27

	dx := math.Abs(x - 0.5)

	switch {
	case y < top || y > bottom:
		return false
	case y < top+0.06:
		// A slight dip in the top edge, as on a heraldic shield.
		return dx <= half && y >= top+0.06*(1-math.Pow(dx/half, 2))*0.5
	case y <= shoulder:
		return dx <= half
	default:
		t := (y - shoulder) / (bottom - shoulder)
		return dx <= half*math.Sqrt(1-t*t)
	}
}

// inKeyhole: a round head and a flared slot.
func inKeyhole(x, y float64) bool {
	const cx, cy, r = 0.5, 0.43, 0.075

	if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
		return true
	}

	if y < cy || y > 0.66 {
		return false
	}

	t := (y - cy) / (0.66 - cy)

	return math.Abs(x-cx) <= 0.032+0.03*t
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(p, q uint8) uint8 { return uint8(float64(p)*(1-t) + float64(q)*t + 0.5) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xFF}
}

func main() {
	out := "Icon.png"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}

	img := image.NewNRGBA(image.Rect(0, 0, size, size))

	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64

			for sy := 0; sy < samples; sy++ {
				for sx := 0; sx < samples; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/samples) / size
					y := (float64(py) + (float64(sy)+0.5)/samples) / size

					if !inRoundedSquare(x, y) {
						continue
					}

					c := mix(topColor, bottomColor, y)
					if inShield(x, y) && !inKeyhole(x, y) {
						c = white
					}

					r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+1
				}
			}

			if a == 0 {
				continue
			}

			n := float64(samples * samples)
			img.SetNRGBA(px, py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(255 * a / n)})
		}
	}

	f, err := os.Create(out)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}

	if err != nil {
		fmt.Fprintln(os.Stderr, "icon:", err)
		os.Exit(1)
	}
}
