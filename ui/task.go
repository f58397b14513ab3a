package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// task is one slow operation: it runs on its own goroutine, shows what it
// is doing in a modal panel with Cancel, and hands its result back to the
// UI goroutine. Only one runs at a time.
type task struct {
	cancel context.CancelFunc
	popup  *widget.PopUp
	step   *widget.Label
	button *widget.Button
	// counted shows how far a step that counts has come, and left the
	// time that leaves, from the rate so far.
	counted *widget.ProgressBar
	left    *widget.Label
	since   time.Time
}

func (t *task) cancelTask() {
	t.cancel()
	t.step.SetText("Cancelling…")
	t.button.Disable()
}

// run starts work off the UI goroutine. work gets a context that Cancel
// (or Escape) cancels and that carries repo's progress steps; done runs on
// the UI goroutine with work's error.
func (a *App) run(title, firstStep string, work func(ctx context.Context) error, done func(error)) {
	if a.busy != nil {
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	t := &task{cancel: cancel, step: widget.NewLabel(firstStep)}
	t.button = widget.NewButton("Cancel", t.cancelTask)

	bar := widget.NewProgressBarInfinite()
	t.counted, t.left = widget.NewProgressBar(), widget.NewLabel("")
	t.counted.Hide()
	t.left.Hide()

	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox(heading, t.step, container.NewStack(bar, t.counted), t.left, container.NewHBox(layout.NewSpacer(), t.button))
	t.popup = widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(420, box.MinSize().Height), box), a.win.Canvas())
	t.popup.Show()
	a.busy = t

	ctx = repo.WithProgress(ctx, func(s repo.Step) {
		a.post(func() {
			if ctx.Err() == nil {
				t.step.SetText(string(s))
			}
		})
	})

	ctx = repo.WithCounts(ctx, func(s repo.Step, c repo.Count) {
		a.post(func() {
			if ctx.Err() == nil {
				bar.Hide()
				t.showCount(s, c)
			}
		})
	})

	go func() {
		err := work(ctx)

		a.post(func() {
			bar.Stop()
			t.popup.Hide()
			a.busy = nil
			cancel()
			done(err)
		})
	}()
}

// showCount shows how far a counting step has come and, once it has gone
// far enough to tell, about how long it has left.
func (t *task) showCount(s repo.Step, c repo.Count) {
	if t.since.IsZero() || c.Done == 0 {
		t.since = time.Now()
	}

	t.step.SetText(string(s))
	t.counted.Show()
	t.left.Show()

	if c.Total > 0 {
		t.counted.SetValue(float64(c.Done) / float64(c.Total))
	}

	elapsed := time.Since(t.since)

	switch {
	case c.Done >= c.Total:
		t.left.SetText("Finishing…")
	case c.Done == 0 || elapsed < 2*time.Second:
		t.left.SetText("Working out the time left…")
	default:
		left := time.Duration(float64(elapsed) * float64(c.Total-c.Done) / float64(c.Done))
		t.left.SetText("About " + leftText(left) + " left")
	}
}

// leftText is a time left, rounded as people say it.
func leftText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "a minute or less"
	case d < time.Hour:
		n := int(d.Round(time.Minute) / time.Minute)

		return fmt.Sprintf("%d %s", n, pluralWord(n, "minute"))
	}

	return fmt.Sprintf("%.1f hours", d.Hours())
}
