package preflight

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
)

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func Check(ctx context.Context, s repo.Settings, secrets repo.S3Secrets, mode repo.CheckMode) (*repo.Report, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	rep, _, err := CheckLocation(ctx, n, ResolveKeys(ctx, n, secrets), mode)

	return rep, err
}

// CheckLocation is Check for normalized settings and the operation's
// resolved keys (nil for a folder); for S3 it also returns the checked
// client (nil when the check stopped before it had one), for the guard of
// an operation that goes on to write.
func CheckLocation(ctx context.Context, n repo.Settings, keys *Keys, mode repo.CheckMode) (*repo.Report, *S3API, error) {
	var (
		rep *repo.Report
		api *S3API
	)

	started := time.Now()

	if f, ok := n.(repo.Filesystem); ok {
		rep = checkFilesystem(f, mode)
	} else {
		loc, _ := repo.AsS3(n)
		rep, api = checkS3(ctx, loc, keys, mode)
	}

	rep.Checked, rep.Mode, rep.Of = started, mode, repo.SettingsKey(n)

	if ctx.Err() != nil {
		return rep, api, repo.CanceledError(ctx.Err())
	}

	return rep, api, nil
}

// Rechecked is CheckLocation for an operation handed an earlier check
// (repo.WithCheck) that may stand as its own: the report, and for S3 a
// client set up from it without a request. ok is false when the report
// cannot stand (see repo.Report.ReusableFor), and the caller checks.
func Rechecked(ctx context.Context, n repo.Settings, keys *Keys) (rep *repo.Report, api *S3API, ok bool) {
	prev := repo.CheckFrom(ctx)
	if !prev.ReusableFor(n, time.Now()) {
		return nil, nil, false
	}

	copied := *prev

	loc, isS3 := repo.AsS3(n)
	if !isS3 {
		return &copied, nil, true
	}

	if keys == nil || keys.Err != nil {
		return nil, nil, false
	}

	api, err := newS3API(loc, keys.ResolvedCredentials)
	if err != nil {
		return nil, nil, false
	}

	api.setRegion(prev.Region)

	return &copied, api, true
}

// AboveLook is the look for a repository above a location (at a prefix or
// folder that contains it) by an operation about to create one there.
type AboveLook struct {
	outer *future[string]
}

// LookAbove starts that look; on S3 its requests go while the operation
// takes the location's lock, which does not keep a repository above from
// being made anyway.
func LookAbove(ctx context.Context, n repo.Settings, api *S3API) *AboveLook {
	if _, ok := n.(repo.Filesystem); ok || api == nil {
		return &AboveLook{}
	}

	return &AboveLook{outer: api.outerAhead(ctx, repo.CheckWrite)}
}

// Reverify looks at the location again, at the moment an operation holding
// its lock is about to act: one listing, no more. above, for an operation
// that creates a repository, also finds one made above the location since
// the check (in the same round as the listing).
func Reverify(ctx context.Context, n repo.Settings, api *S3API, above *AboveLook) (repo.State, repo.HalfMadeStage, error) {
	var rep *repo.Report

	if f, ok := n.(repo.Filesystem); ok {
		rep = checkFilesystem(f, repo.CheckRead)

		if above != nil && rep.Err == nil {
			if outer := outerFolderRepository(f.Path); outer != "" {
				return repo.StateUnknown, repo.HalfMadeNone, insideFolderRepository(f.Path, outer)
			}
		}
	} else {
		rep = &repo.Report{}

		if above != nil {
			api.checkList(ctx, rep, repo.CheckWrite, nil, above.outer)
		} else {
			api.checkList(ctx, rep, repo.CheckRead, nil, nil)
		}
	}

	if ctx.Err() != nil {
		return repo.StateUnknown, repo.HalfMadeNone, repo.CanceledError(ctx.Err())
	}

	if rep.Err != nil {
		return repo.StateUnknown, repo.HalfMadeNone, rep.Err
	}

	return rep.State, rep.HalfMade, nil
}

func StateError(st repo.State, stage repo.HalfMadeStage, location string) error {
	switch st {
	case repo.StateRepository:
		return alreadyRepository(location)
	case repo.StateNotEmpty:
		return repo.NewError(repo.CodeNotEmpty, nil, "%s is not empty, and a repository is only created in an empty location so nothing there is changed. Choose an empty folder or a new prefix.", location)
	case repo.StateHalfMade:
		return repo.NewError(repo.CodeHalfMade, nil, "%s holds a repository whose creation was interrupted. %s", location, describeState(st, stage)[len("A repository "):])
	}

	return nil
}

func checkFilesystem(f repo.Filesystem, mode repo.CheckMode) *repo.Report {
	rep := &repo.Report{}

	entries, err := os.ReadDir(f.Path)

	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Creating it must be possible: find the nearest existing parent.
		parent := existingParent(f.Path)
		if parent == "" {
			rep.Fail("Folder", repo.NewError(repo.CodeInvalidField, err, "No part of %s exists. Choose a path on a disk that is mounted.", f.Path))
			return rep
		}

		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
			rep.Fail("Folder", ClassifyFS(&fs.PathError{Op: "mkdir", Path: parent, Err: errNotDir}, f.Path))
			return rep
		}

		if mode == repo.CheckWrite {
			if err := ProbeWritable(parent); err != nil {
				rep.Fail("Folder", ClassifyFS(err, parent))
				return rep
			}
		}

		rep.Add("Folder", repo.StatusOK, f.Path+" does not exist yet; it will be created with "+platform.PrivacyOfNewFolder(f.Path)+".")
		rep.State = repo.StateEmpty
	case err != nil:
		rep.Fail("Folder", ClassifyFS(err, f.Path))
		return rep
	default:
		if mode == repo.CheckWrite {
			if err := ProbeWritable(f.Path); err != nil {
				rep.Fail("Folder", ClassifyFS(err, f.Path))
				return rep
			}
		}

		names, created := folderBlobNames(f.Path, entries)
		rep.Created = created
		rep.State, rep.HalfMade = classifyNames(names)
		if mode == repo.CheckWrite && (rep.State == repo.StateEmpty || rep.State == repo.StateHalfMade) {
			rep.Add("Folder", repo.StatusOK, f.Path+" exists and can be used; "+platform.PrivacyOfExistingFolder(f.Path)+".")
		} else {
			rep.Add("Folder", repo.StatusOK, f.Path+" exists and can be used.")
		}

		if inner := innerFolderRepository(f.Path, names); inner != "" {
			e := repo.NewError(repo.CodePrefixOverlap, nil, "Another repository is inside this folder, at %s. Choose a folder that neither holds nor sits inside another repository.", inner)
			e.Field = repo.FieldPath
			rep.Fail("Contents", e)
			rep.State = repo.StateNotEmpty

			return rep
		}
	}

	// A repository in a folder above this one would take this one's files
	// for its own: refuse to create one there.
	if outer := outerFolderRepository(f.Path); outer != "" && mode == repo.CheckWrite {
		rep.Fail("Contents", insideFolderRepository(f.Path, outer))
		rep.State = repo.StateNotEmpty

		return rep
	}

	st := repo.StatusOK
	if rep.State == repo.StateNotEmpty || rep.State == repo.StateHalfMade {
		st = repo.StatusWarning
	}

	rep.Add("Contents", st, describeState(rep.State, rep.HalfMade))

	return rep
}

var errNotDir = errors.New("not a directory")

func existingParent(p string) string {
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}

		if _, err := os.Stat(parent); err == nil {
			return parent
		}

		p = parent
	}
}

// ProbeWritable proves the folder accepts new files by making and removing one.
func ProbeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".corso-desktop-probe-*")
	if err != nil {
		return err
	}

	name := f.Name()
	f.Close() //nolint:errcheck

	return os.Remove(name)
}

// maxFolderNames bounds the walk of a folder that holds no format blob:
// enough to see kopia's remnants or the user's files, never a whole disk.
const maxFolderNames = 10000

// folderBlobNames rebuilds kopia's blob IDs from a folder repository's
// files (kopia shards long IDs into sub-folders and adds ".f"); a file or
// folder kopia would never write comes back as a foreign name. With the
// format blob present only whether an index exists matters, so only the
// index shards are looked into, until the first index blob.
func folderBlobNames(root string, entries []fs.DirEntry) ([]string, time.Time) {
	var (
		names   []string
		created time.Time
	)

	hasFormat := false

	for _, e := range entries {
		if e.Name() == FormatBlobName+FSBlobSuffix && e.Type().IsRegular() {
			hasFormat = true
		}
	}

	for _, e := range entries {
		name := e.Name()

		switch {
		case name == FSShardsFile && e.Type().IsRegular():
			continue
		case e.IsDir():
			if hasFormat && !strings.HasPrefix(name, "x") {
				continue
			}

			names = append(names, shardNames(filepath.Join(root, name), name, hasFormat, maxFolderNames-len(names))...)
		case e.Type().IsRegular() && strings.HasSuffix(name, FSBlobSuffix):
			id := strings.TrimSuffix(name, FSBlobSuffix)
			names = append(names, id)

			if id == BlobCfgBlobName {
				if fi, err := e.Info(); err == nil {
					created = fi.ModTime()
				}
			}
		case e.Type().IsRegular() && (fsTempSuffix.MatchString(name) || strings.HasPrefix(name, ProbePrefix) || name == LockName):
			names = append(names, LockName) // kopia's or this app's own, in passing
		default:
			names = append(names, name+"/")
		}
	}

	return names, created
}

// shardNames walks one of kopia's shard folders: each file is a blob
// whose ID is the folder path without slashes plus the file name without
// ".f". A shard folder holds nothing else; anything else is foreign.
func shardNames(dir, prefix string, firstIndexOnly bool, limit int) []string {
	var names []string

	if len(prefix) > 8 || strings.ContainsAny(prefix, ".") {
		return []string{prefix + "/"}
	}

	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // unreadable parts count as foreign below
		if len(names) >= limit {
			return filepath.SkipAll
		}

		if err != nil {
			names = append(names, prefix+"/")
			return filepath.SkipDir
		}

		if d.IsDir() {
			return nil
		}

		rel, _ := filepath.Rel(dir, p)
		name := filepath.Base(rel)

		switch {
		case fsTempSuffix.MatchString(name):
			names = append(names, LockName)
		case d.Type().IsRegular() && strings.HasSuffix(name, FSBlobSuffix):
			id := prefix + strings.ReplaceAll(filepath.ToSlash(strings.TrimSuffix(rel, FSBlobSuffix)), "/", "")
			names = append(names, id)

			if firstIndexOnly && KopiaBlobKind(id) == BlobIndex {
				return filepath.SkipAll
			}
		default:
			names = append(names, prefix+"/")
		}

		return nil
	})

	return names
}

// insideFolderRepository is the refusal of a folder inside the repository
// at outer.
func insideFolderRepository(path, outer string) error {
	e := repo.NewError(repo.CodePrefixOverlap, nil, "%s is inside the repository at %s. Choose a folder outside it.", path, outer)
	e.Field = repo.FieldPath

	return e
}

// outerFolderRepository is the nearest folder above path holding a
// repository's format blob, or "".
func outerFolderRepository(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(filepath.Join(dir, FormatBlobName+FSBlobSuffix)); err == nil && fi.Mode().IsRegular() {
			return dir
		}

		if parent := filepath.Dir(dir); parent == dir {
			return ""
		}
	}
}

// innerFolderRepository looks for a repository's format blob in the
// folder's foreign sub-folders (names ending in "/"), at any depth, within
// maxFolderNames entries.
func innerFolderRepository(root string, names []string) string {
	seen := 0

	for _, n := range names {
		sub, ok := strings.CutSuffix(n, "/")
		if !ok {
			continue
		}

		found := ""

		filepath.WalkDir(filepath.Join(root, sub), func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // unreadable parts are not searched
			seen++

			switch {
			case err != nil:
				return filepath.SkipDir
			case seen > maxFolderNames:
				return filepath.SkipAll
			case !d.IsDir() && d.Name() == FormatBlobName+FSBlobSuffix:
				found = filepath.Dir(p)
				return filepath.SkipAll
			}

			return nil
		})

		if found != "" {
			return found
		}
	}

	return ""
}
