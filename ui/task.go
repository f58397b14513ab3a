package ui

import (
	"context"

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
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox(heading, t.step, bar, container.NewHBox(layout.NewSpacer(), t.button))
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
