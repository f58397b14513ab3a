// Verification from a repository's details: quick or full (all packs, or
// a share chosen at random), with progress, the time left and Cancel, and
// a result that names each problem by the Corso backup it touches.

package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// The two verifications, each in one sentence.
const (
	verifyQuickLabel = "Quick"
	verifyFullLabel  = "Full"
	verifyQuickText  = "Reads and decrypts every index and manifest, and checks that every pack they name is there and long enough. Minutes at most."
	verifyFullText   = "Also reads every pack (or the share below, chosen at random) and decrypts every content in it: as long as downloading the whole repository."
)

// showVerify asks which verification to run.
func (a *App) showVerify(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	text := wrapped(verifyQuickText)
	share := a.newEntry("100", false)
	share.SetText("100")
	share.Validator = wholeNumber(1, 100, "percent")
	shareRow := container.NewBorder(nil, nil, widget.NewLabel("Read"), widget.NewLabel("% of the packs"), share)
	shareRow.Hide()

	mode := widget.NewRadioGroup([]string{verifyQuickLabel, verifyFullLabel}, func(s string) {
		text.SetText(map[string]string{verifyQuickLabel: verifyQuickText, verifyFullLabel: verifyFullText}[s])
		shareRow.Hidden = s != verifyFullLabel
		shareRow.Refresh()
	})
	mode.Horizontal = true
	mode.Required = true
	mode.SetSelected(verifyQuickLabel)

	var d *dialog.CustomDialog

	run := widget.NewButton("Verify", func() {
		req := repo.VerifyRequest{Mode: repo.VerifyQuick}
		if mode.Selected == verifyFullLabel {
			pct, err := strconv.Atoi(strings.TrimSpace(share.Text))
			if err != nil || pct < 1 || pct > 100 {
				return
			}

			req = repo.VerifyRequest{Mode: repo.VerifyFull, Share: float64(pct) / 100}
		}

		d.Hide()
		a.runVerify(e, req)
	})
	run.Importance = widget.HighImportance

	body := container.NewVBox(mode, text, shareRow, wrapped("Nothing is written: a verification only reads."))
	d = dialog.NewCustomWithoutButtons("Verify "+e.Name, body, a.win)
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.Hide() }), run})
	d.Resize(fyne.NewSize(560, body.MinSize().Height+120))
	a.verifyForm = mode
	a.showDialog(d)
}

// runVerify runs one verification off the UI goroutine and shows what it
// found; the run is remembered with the repository.
func (a *App) runVerify(e library.Entry, req repo.VerifyRequest) {
	var res *repo.VerifyResult

	a.run("Verifying "+e.Name, string(repo.StepVerifyIndexes), func(ctx context.Context) error {
		secrets, err := a.lib.Secrets(ctx, e)
		if err != nil {
			return err
		}

		if res, err = a.eng.Verify(ctx, a.lib.Local(e.ID), secrets, req); err != nil {
			return err
		}

		run := library.CareRun{At: time.Now().UTC(), Mode: string(req.Mode), OK: len(res.Problems) == 0, Problems: len(res.Problems), Said: verifySummary(res)}
		a.lib.UpdateCare(ctx, e.ID, func(c *library.Care) { c.LastVerified = &run }) //nolint:errcheck // the record of a run

		return nil
	}, func(err error) {
		if err != nil {
			a.showError("Verifying "+e.Name, err)
			return
		}

		a.reload()
		a.showDetails()
		a.showVerifyResult(e, res)
	})
}

// verifySummary says what a verification checked and found, in a line.
func verifySummary(res *repo.VerifyResult) string {
	checked := fmt.Sprintf("%d indexes, %d manifests and %d contents in %d packs checked", res.Indexes, res.Manifests, res.Contents, res.Packs)
	if res.Mode == repo.VerifyFull {
		checked += fmt.Sprintf(", %d packs (%s) read and decrypted", res.PacksRead, byteSize(res.BytesRead))
	}

	checked += " in " + tookText(res.Took)

	if len(res.Problems) == 0 {
		return checked + ": nothing is missing or damaged."
	}

	return checked + fmt.Sprintf(": %d %s found.", len(res.Problems), pluralWord(len(res.Problems), "problem"))
}

// tookText is how long something took, in whole seconds (a run under a
// second is said as such, not as "0s").
func tookText(d time.Duration) string {
	if d < time.Second {
		return "less than a second"
	}

	return d.Round(time.Second).String()
}

// verifyReport is the result's full text: each problem, and the backups
// it touches.
func verifyReport(res *repo.VerifyResult) string {
	lines := []string{verifySummary(res)}

	for _, p := range res.Problems {
		line := "• " + p.What

		if len(p.Backups) == 0 {
			line += "\n  It touches no Corso backup this verification could name."
		}

		for _, b := range p.Backups {
			line += "\n  Touches the " + b.Part + " of the " + serviceName(b.Service) + " backup " + b.ID
			if b.ResourceName != "" {
				line += " of " + b.ResourceName
			}
		}

		lines = append(lines, line)
	}

	if len(res.Problems) > 0 {
		lines = append(lines, "A backup whose item data or details are touched cannot be fully restored: take a new backup of its resource with the Corso CLI. "+
			"Complete maintenance does not repair damage; the store's own copies or versions may.")
	}

	return strings.Join(lines, "\n\n")
}

func (a *App) showVerifyResult(e library.Entry, res *repo.VerifyResult) {
	text := verifyReport(res)
	a.lastInfo = text
	a.showDialog(dialog.NewCustom(strings.ToUpper(string(res.Mode[:1]))+string(res.Mode[1:])+" verification of "+e.Name, "Close", scrolledText(text), a.win))
}

// careBusy says, when scheduled maintenance is running on e, that it is
// and offers to stop it; the caller does nothing then.
func (a *App) careBusy(e library.Entry) bool {
	if !a.careRunning(e.ID) {
		return false
	}

	st := a.care[e.ID]
	stop := widget.NewButton("Stop it", func() {
		if st.stop != nil {
			st.stop()
		}

		a.dialog.Hide()
	})
	body := container.NewVBox(wrapped("Scheduled "+string(st.running)+" maintenance of "+e.Name+" is running. "+
		"It finishes by itself; to do something else with the repository now, stop it first (nothing is lost: the next look runs it again)."), container.NewHBox(stop))
	a.showDialog(dialog.NewCustom("Maintenance is running", "Close", body, a.win))

	return true
}
