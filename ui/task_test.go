package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// TestCountingStepSaysTheTimeLeft: a step that counts (a full
// verification's packs) fills its bar and, once it has run long enough to
// tell, says the time left from its rate so far, rounded as people say it.
func TestCountingStepSaysTheTimeLeft(t *testing.T) {
	_ = newHarness(t) // a Fyne test app for the widgets

	tk := &task{step: widget.NewLabel(""), counted: widget.NewProgressBar(), left: widget.NewLabel("")}

	tk.showCount(repo.StepVerifyContents, repo.Count{Done: 0, Total: 1000})

	if tk.left.Text != "Working out the time left…" || tk.counted.Value != 0 || tk.step.Text != string(repo.StepVerifyContents) {
		t.Fatalf("at the start: %q, %v", tk.left.Text, tk.counted.Value)
	}

	for _, c := range []struct {
		elapsed     time.Duration
		done, total int64
		want        string
	}{
		{time.Second, 500, 1000, "Working out the time left…"},
		{10 * time.Second, 500, 1000, "About a minute or less left"},
		{time.Minute, 100, 1000, "About 9 minutes left"},
		{time.Hour, 250, 1000, "About 3.0 hours left"},
		{time.Hour, 1000, 1000, "Finishing…"},
	} {
		tk.since = time.Now().Add(-c.elapsed)
		tk.showCount(repo.StepVerifyContents, repo.Count{Done: c.done, Total: c.total})

		if tk.left.Text != c.want || tk.counted.Value != float64(c.done)/float64(c.total) {
			t.Errorf("%v in, %d of %d: %q (bar %v), want %q", c.elapsed, c.done, c.total, tk.left.Text, tk.counted.Value, c.want)
		}
	}
}
