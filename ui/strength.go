package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// minNewScore is the lowest strength a new repository's passphrase may
// have: zxcvbn's 2, "Fair". A Very weak or Weak one (a word or two from a
// dictionary) falls to an offline attack on the repository in hours.
const minNewScore = 2

// strengthMeter shows a passphrase's rating as five segments filled up to
// its score, red when too weak, amber when fair, green when strong, and
// none for no passphrase: every rating looks different in both themes.
type strengthMeter struct {
	widget.BaseWidget
	// score is zxcvbn's 0 to 4, or -1 when there is nothing to rate.
	score int
}

func newStrengthMeter() *strengthMeter {
	m := &strengthMeter{score: -1}
	m.ExtendBaseWidget(m)

	return m
}

// set shows score (-1 for none).
func (m *strengthMeter) set(score int) {
	m.score = score
	m.Refresh()
}

// filled is how many of the five segments are filled.
func (m *strengthMeter) filled() int { return m.score + 1 }

// colorName is the colour of the filled segments.
func (m *strengthMeter) colorName() fyne.ThemeColorName {
	switch {
	case m.score < minNewScore:
		return theme.ColorNameError
	case m.score == minNewScore:
		return theme.ColorNameWarning
	}

	return theme.ColorNameSuccess
}

func (m *strengthMeter) CreateRenderer() fyne.WidgetRenderer {
	r := &meterRenderer{m: m}
	for i := range r.segments {
		r.segments[i] = canvas.NewRectangle(color.Transparent)
	}

	r.Refresh()

	return r
}

type meterRenderer struct {
	m        *strengthMeter
	segments [5]*canvas.Rectangle
}

func (r *meterRenderer) Layout(size fyne.Size) {
	// A bar of fixed height, centred in whatever height the row has.
	gap := theme.Padding() / 2
	w := (size.Width - gap*float32(len(r.segments)-1)) / float32(len(r.segments))
	h := min(size.Height, theme.Padding()*2)

	for i, s := range r.segments {
		s.Move(fyne.NewPos(float32(i)*(w+gap), (size.Height-h)/2))
		s.Resize(fyne.NewSize(w, h))
	}
}

func (r *meterRenderer) MinSize() fyne.Size {
	return fyne.NewSize(theme.Padding()*20, theme.Padding()*2)
}

func (r *meterRenderer) Refresh() {
	th, v := r.m.Theme(), fyne.CurrentApp().Settings().ThemeVariant()

	for i, s := range r.segments {
		s.CornerRadius = theme.Padding() / 4
		if i < r.m.filled() {
			s.FillColor = th.Color(r.m.colorName(), v)
		} else {
			s.FillColor = th.Color(theme.ColorNameInputBorder, v)
		}

		s.Refresh()
	}
}

func (r *meterRenderer) Objects() []fyne.CanvasObject {
	objects := make([]fyne.CanvasObject, len(r.segments))
	for i, s := range r.segments {
		objects[i] = s
	}

	return objects
}

func (r *meterRenderer) Destroy() {}
