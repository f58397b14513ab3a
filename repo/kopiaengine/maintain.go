// Maintenance as `corso repo maintenance` runs it, with its ownership.

package kopiaengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/format"
	"github.com/kopia/kopia/repo/maintenance"
	"github.com/kopia/kopia/snapshot/policy"
	"github.com/kopia/kopia/snapshot/snapshotmaintenance"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// maintainOp runs Corso's maintenance (internal/kopia/wrapper.go
// RepoMaintenance at v0.19.0): the settings checks, in complete mode the
// clean-up of incomplete backups, then kopia's maintenance with full
// safety in a direct write session, claiming ownership as Corso does.
// What it did so far is in res, for a run that is stopped.
func maintainOp(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.MaintenanceRequest, res *repo.MaintenanceResult) (*repo.MaintenanceResult, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	mode := maintenance.ModeQuick

	switch req.Mode {
	case repo.MaintenanceMetadata:
	case repo.MaintenanceComplete:
		mode = maintenance.ModeFull
	default:
		return nil, repo.NewError(repo.CodeUnknown, nil, "Choose metadata or complete maintenance.")
	}

	where := locationOf(local)

	release, err := claimMaintenance(local)
	if err != nil {
		return nil, err
	}
	defer release()

	if err := setIdentity(local, req.User, req.Host); err != nil {
		return nil, err
	}

	res.Mode, res.Started = req.Mode, time.Now()

	repo.Progress(ctx, repo.StepDeriving)

	dr, err := openDirect(ctx, local, secrets, maintainOptions)
	if err != nil {
		return nil, err
	}
	defer dr.Close(ctx) //nolint:errcheck

	r := kopiarepo.Repository(dr)

	me := r.ClientOptions().UsernameAtHost()

	// Ownership first: a run that would be refused does nothing else.
	params, err := maintenance.GetParams(ctx, r)
	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	if params.Owner != "" && params.Owner != me && !req.TakeOwnership {
		return nil, notOwner(params.Owner, me)
	}

	repo.Progress(ctx, repo.StepMaintCheck)

	res.Alerts = corsoAlerts(ctx, dr, params)

	repo.Progress(ctx, repo.StepMaintMeasure)

	if res.Before, err = storageUse(ctx, dr.BlobReader()); err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	if mode == maintenance.ModeFull {
		repo.Progress(ctx, repo.StepMaintOrphans)

		if res.OrphansDeleted, err = cleanupOrphans(ctx, r, orphanBuffer, time.Now()); err != nil {
			if ctx.Err() != nil {
				return nil, repo.CanceledError(ctx.Err())
			}

			// As in Corso: the rest of maintenance is still worth running.
			res.Alerts = append(res.Alerts, "Corso's clean-up of incomplete backups failed, so some space may not be freed: "+repo.SanitizeDetail(err.Error()))
		}
	}

	repo.Progress(ctx, map[maintenance.Mode]repo.Step{maintenance.ModeQuick: repo.StepMaintQuick, maintenance.ModeFull: repo.StepMaintFull}[mode])

	err = kopiarepo.DirectWriteSession(ctx, dr, kopiarepo.WriteSessionOptions{Purpose: "Corso maintenance"}, func(ctx context.Context, dw kopiarepo.DirectRepositoryWriter) error {
		p, err := maintenance.GetParams(ctx, dw)
		if err != nil {
			return err
		}

		// Re-read inside the session: another identity may have claimed it
		// since.
		if p.Owner != "" && p.Owner != me && !req.TakeOwnership {
			return notOwner(p.Owner, me)
		}

		if p.Owner == "" || p.Owner != me {
			// What Corso does when it sets the owner: kopia's automatic
			// cycles off, so that no kopia client starts maintenance of
			// its own.
			p.Owner = me
			p.QuickCycle.Enabled = false
			p.FullCycle.Enabled = false

			if err := maintenance.SetParams(ctx, dw, p); err != nil {
				return err
			}

			res.TookOwnership = true
		}

		return snapshotmaintenance.Run(ctx, dw, mode, req.TakeOwnership, maintenance.SafetyFull)
	})
	if err != nil {
		var owned maintenance.NotOwnedError
		if errors.As(err, &owned) {
			return nil, notOwner(owned.Owner, me)
		}

		return nil, preflight.Classify(ctx, err, where)
	}

	res.Owner = me

	if sched, err := maintenance.GetSchedule(ctx, dr); err == nil {
		res.Tasks = tasksSince(sched, res.Started)
	}

	repo.Progress(ctx, repo.StepMaintMeasure2)

	if res.After, err = storageUse(ctx, dr.BlobReader()); err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	res.Took = time.Since(res.Started)

	return res, nil
}

// maintainOptions open a repository for maintenance: kopia's own
// diagnostic log blobs are written, as kopia and Corso write them then.
var maintainOptions = &kopiarepo.Options{
	OnFatalError: openOptions.OnFatalError,
}

func notOwner(owner, me string) error {
	e := repo.NewError(repo.CodeNotOwner, nil, "Maintenance of this repository is owned by %s, and this computer runs as %s. Run it as %s, or take ownership.", owner, me, owner)
	e.Location = owner

	return e
}

// setIdentity writes the identity maintenance runs as into the connection
// file, as the Corso CLI writes --user/--host (or corso_user/corso_host)
// into its kopia config.
func setIdentity(local repo.Local, user, host string) error {
	if user == "" && host == "" {
		return nil
	}

	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil {
		return repo.NewError(repo.CodeNotConnected, err, "This repository is not connected on this computer. Connect to it again.")
	}

	if user != "" {
		lc.ClientOptions.Username = user
	}

	if host != "" {
		lc.ClientOptions.Hostname = host
	}

	data, err := json.MarshalIndent(lc, "", "  ")
	if err != nil {
		return err
	}

	if err := platform.WriteFileAtomic(local.ConfigFile, data); err != nil {
		return preflight.ClassifyFS(err, local.ConfigFile)
	}

	return nil
}

// corsoAlerts are Corso's settings checks (verifyDefaultConfigOptions):
// the global policy, and object-lock settings consistent between
// kopia.blobcfg and the maintenance parameters.
func corsoAlerts(ctx context.Context, dr kopiarepo.DirectRepository, params *maintenance.Params) []string {
	var alerts []string

	switch pol, err := policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo); {
	case errors.Is(err, policy.ErrPolicyNotFound):
		alerts = append(alerts, "no global policy: Corso's compression and retention settings are missing")
	case err != nil:
		alerts = append(alerts, "the global policy cannot be read: "+repo.SanitizeDetail(err.Error()))
	default:
		alerts = append(alerts, corsoPolicyDifferences(pol)...)
	}

	cfg, err := dr.FormatManager().BlobCfgBlob(ctx)
	if err != nil {
		return append(alerts, "the object-lock settings cannot be read: "+repo.SanitizeDetail(err.Error()))
	}

	return append(alerts, retentionAlerts(ctx, cfg, params)...)
}

// retentionAlerts is Corso's retention.Opts.Verify: object lock on means
// maintenance extends the locks, off means it does not, and kopia's own
// check of the lock period against the full maintenance interval.
func retentionAlerts(ctx context.Context, cfg format.BlobStorageConfiguration, params *maintenance.Params) []string {
	switch {
	case !cfg.IsRetentionEnabled() && params.ExtendObjectLocks:
		return []string{"object lock is off, but maintenance is set to extend object locks"}
	case !cfg.IsRetentionEnabled():
		return nil
	case !params.ExtendObjectLocks:
		return []string{"object lock is on, but maintenance does not extend the locks, so they expire"}
	}

	if err := maintenance.CheckExtendRetention(ctx, cfg, params); err != nil {
		return []string{repo.SanitizeDetail(err.Error())}
	}

	return nil
}

// tasksSince lists the tasks of the runs that started at or after since,
// in the order they ran.
func tasksSince(s *maintenance.Schedule, since time.Time) []repo.MaintenanceTask {
	var tasks []repo.MaintenanceTask

	for task, runs := range s.Runs {
		for _, run := range runs {
			if run.Start.Before(since) {
				continue
			}

			tasks = append(tasks, repo.MaintenanceTask{Task: string(task), Start: run.Start, End: run.End, Success: run.Success, Error: repo.SanitizeDetail(run.Error)})
		}
	}

	slices.SortFunc(tasks, func(a, b repo.MaintenanceTask) int { return a.Start.Compare(b.Start) })

	return tasks
}

// Maintain runs Corso's maintenance; see repo.Engine. Unlike the other
// operations it has no overall deadline: a full run over a large
// repository takes as long as it takes. Each storage request, kopia's
// included, is watched instead: one that gets no answer and moves no byte
// for stallTimeout ends the run with a sentence. Cancel stops it.
func (*Engine) Maintain(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.MaintenanceRequest) (*repo.MaintenanceResult, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	ctx, w, stop := withWatch(ctx)
	defer stop()

	var sofar repo.MaintenanceResult

	res, err := maintainOp(ctx, local, secrets, req, &sofar)
	if s := stalledBy(ctx); s != nil && err != nil {
		return nil, maintenanceStalled(s, w, locationOf(local), sofar.OrphansDeleted)
	}

	return res, err
}

// maintenanceStalled says that a stalled request stopped maintenance, and
// what the run had removed by then, counted as it went.
func maintenanceStalled(s *errStalledRequest, w *watch, where string, orphans int) error {
	phase := phaseName(s.phase)
	if strings.HasPrefix(s.request, "extending the object lock") {
		phase = "while kopia's full maintenance extended the object locks"
	}

	removed := "No blob was deleted and every backup is intact; run it again."

	switch blobs := w.deleted.Load(); {
	case w.deleting.Load() > 0:
		removed = fmt.Sprintf("kopia had deleted %d blobs no backup uses and was deleting more when it stopped, so those may be gone too; every backup is intact. Run it again to finish.", blobs)
	case s.phase == repo.StepMaintOrphans && strings.HasPrefix(s.request, "writing"):
		// The write that stalled may have landed.
		removed = "It stopped while Corso's clean-up saved its removal of the records of incomplete backups, so they may be gone; no blob was deleted and every complete backup is intact. Run it again to finish."
	case blobs > 0 && orphans > 0:
		removed = fmt.Sprintf("Before it stopped, Corso's clean-up had removed %d records of incomplete backups and kopia had deleted %d blobs no backup uses; every complete backup is intact. Run it again to finish.", orphans, blobs)
	case blobs > 0:
		removed = fmt.Sprintf("Before it stopped, kopia had deleted %d blobs no backup uses; every backup is intact. Run it again to finish.", blobs)
	case orphans > 0:
		removed = fmt.Sprintf("Before it stopped, Corso's clean-up had removed %d records of incomplete backups; no blob was deleted and every complete backup is intact. Run it again to finish.", orphans)
	}

	return repo.NewError(repo.CodeUnreachable, s, "%s stopped answering %s: %s got no answer for %d seconds, so maintenance was stopped. %s",
		where, phase, s.request, int(s.after.Seconds()), removed)
}

// maintenanceOf reads who owns a repository's maintenance, how it is set
// and when it last ran (by anyone: kopia's schedule blob records every
// client's runs), without writing anything. The parameters and the
// schedule are read side by side; the parameters are returned too.
func maintenanceOf(ctx context.Context, dr kopiarepo.DirectRepository) (repo.Maintenance, *maintenance.Params, error) {
	m := repo.Maintenance{Identity: dr.ClientOptions().UsernameAtHost()}

	var (
		sched    *maintenance.Schedule
		schedErr error
		done     = make(chan struct{})
	)

	go func() {
		defer close(done)
		sched, schedErr = maintenance.GetSchedule(ctx, dr)
	}()

	p, err := maintenance.GetParams(ctx, dr)
	<-done

	if err != nil {
		return m, nil, err
	}

	if schedErr != nil {
		return m, nil, schedErr
	}

	m.Owner, m.ExtendObjectLocks = p.Owner, p.ExtendObjectLocks

	for task, runs := range sched.Runs {
		for _, r := range runs {
			if !r.Success {
				continue
			}

			if r.End.After(m.LastRun) {
				m.LastRun = r.End
			}

			// Snapshot garbage collection runs in full maintenance only.
			if task == maintenance.TaskSnapshotGarbageCollection && r.End.After(m.LastFull) {
				m.LastFull = r.End
			}
		}
	}

	return m, p, nil
}
