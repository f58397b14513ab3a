//go:build !remote_engine

package repo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corsodesktop/corso-desktop/platform"
)

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func checkOp(ctx context.Context, s Settings, secrets S3Secrets, mode CheckMode) (*Report, error) {
	n, err := Normalize(s)
	if err != nil {
		return nil, err
	}

	rep, _, err := checkLocation(ctx, n, secrets, mode)

	return rep, err
}

// checkLocation is Check for normalized settings; for S3 it also returns
// the checked client (nil when the check stopped before it had one), for
// the guard of an operation that goes on to write.
func checkLocation(ctx context.Context, n Settings, secrets S3Secrets, mode CheckMode) (*Report, *s3API, error) {
	var (
		rep *Report
		api *s3API
	)

	if f, ok := n.(Filesystem); ok {
		rep = checkFilesystem(f, mode)
	} else {
		loc, _ := asS3(n)
		rep, api = checkS3(ctx, loc, secrets, mode)
	}

	if ctx.Err() != nil {
		return rep, api, canceledError(ctx.Err())
	}

	return rep, api, nil
}

// reverify looks at the location again, at the moment an operation holding
// its lock is about to act: one listing, no more.
func reverify(ctx context.Context, n Settings, api *s3API) (State, HalfMadeStage, error) {
	var rep *Report

	if f, ok := n.(Filesystem); ok {
		rep = checkFilesystem(f, CheckRead)
	} else {
		rep = &Report{}
		api.checkList(ctx, rep, CheckRead)
	}

	if ctx.Err() != nil {
		return StateUnknown, HalfMadeNone, canceledError(ctx.Err())
	}

	if rep.Err != nil {
		return StateUnknown, HalfMadeNone, rep.Err
	}

	return rep.State, rep.HalfMade, nil
}

func stateError(st State, stage HalfMadeStage, location string) error {
	switch st {
	case StateRepository:
		return alreadyRepository(location)
	case StateNotEmpty:
		return newError(CodeNotEmpty, nil, "%s is not empty, and a repository is only created in an empty location so nothing there is changed. Choose an empty folder or a new prefix.", location)
	case StateHalfMade:
		return newError(CodeHalfMade, nil, "%s holds a repository whose creation was interrupted. %s", location, describeState(st, stage)[len("A repository "):])
	}

	return nil
}

func checkFilesystem(f Filesystem, mode CheckMode) *Report {
	rep := &Report{}

	entries, err := os.ReadDir(f.Path)

	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Creating it must be possible: find the nearest existing parent.
		parent := existingParent(f.Path)
		if parent == "" {
			rep.fail("Folder", newError(CodeInvalidField, err, "No part of %s exists. Choose a path on a disk that is mounted.", f.Path))
			return rep
		}

		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
			rep.fail("Folder", classifyFS(&fs.PathError{Op: "mkdir", Path: parent, Err: errNotDir}, f.Path))
			return rep
		}

		if mode == CheckWrite {
			if err := probeWritable(parent); err != nil {
				rep.fail("Folder", classifyFS(err, parent))
				return rep
			}
		}

		rep.add("Folder", StatusOK, f.Path+" does not exist yet; it will be created with "+platform.PrivacyOfNewFolder()+".")
		rep.State = StateEmpty
	case err != nil:
		rep.fail("Folder", classifyFS(err, f.Path))
		return rep
	default:
		if mode == CheckWrite {
			if err := probeWritable(f.Path); err != nil {
				rep.fail("Folder", classifyFS(err, f.Path))
				return rep
			}
		}

		names, created := folderBlobNames(f.Path, entries)
		rep.Created = created
		rep.State, rep.HalfMade = classifyNames(names)
		if mode == CheckWrite && (rep.State == StateEmpty || rep.State == StateHalfMade) {
			rep.add("Folder", StatusOK, f.Path+" exists and can be used; "+platform.PrivacyOfExistingFolder(f.Path)+".")
		} else {
			rep.add("Folder", StatusOK, f.Path+" exists and can be used.")
		}

		if inner := innerFolderRepository(f.Path, names); inner != "" {
			e := newError(CodePrefixOverlap, nil, "Another repository is inside this folder, at %s. Choose a folder that neither holds nor sits inside another repository.", inner)
			e.Field = FieldPath
			rep.fail("Contents", e)
			rep.State = StateNotEmpty

			return rep
		}
	}

	// A repository in a folder above this one would take this one's files
	// for its own: refuse to create one there.
	if outer := outerFolderRepository(f.Path); outer != "" && mode == CheckWrite {
		e := newError(CodePrefixOverlap, nil, "%s is inside the repository at %s. Choose a folder outside it.", f.Path, outer)
		e.Field = FieldPath
		rep.fail("Contents", e)
		rep.State = StateNotEmpty

		return rep
	}

	st := StatusOK
	if rep.State == StateNotEmpty || rep.State == StateHalfMade {
		st = StatusWarning
	}

	rep.add("Contents", st, describeState(rep.State, rep.HalfMade))

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

// probeWritable proves the folder accepts new files by making and removing one.
func probeWritable(dir string) error {
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
		if e.Name() == formatBlobName+fsBlobSuffix && e.Type().IsRegular() {
			hasFormat = true
		}
	}

	for _, e := range entries {
		name := e.Name()

		switch {
		case name == fsShardsFile && e.Type().IsRegular():
			continue
		case e.IsDir():
			if hasFormat && !strings.HasPrefix(name, "x") {
				continue
			}

			names = append(names, shardNames(filepath.Join(root, name), name, hasFormat, maxFolderNames-len(names))...)
		case e.Type().IsRegular() && strings.HasSuffix(name, fsBlobSuffix):
			id := strings.TrimSuffix(name, fsBlobSuffix)
			names = append(names, id)

			if id == blobCfgBlobName {
				if fi, err := e.Info(); err == nil {
					created = fi.ModTime()
				}
			}
		case e.Type().IsRegular() && (fsTempSuffix.MatchString(name) || strings.HasPrefix(name, probePrefix) || name == lockName):
			names = append(names, lockName) // kopia's or this app's own, in passing
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
			names = append(names, lockName)
		case d.Type().IsRegular() && strings.HasSuffix(name, fsBlobSuffix):
			id := prefix + strings.ReplaceAll(filepath.ToSlash(strings.TrimSuffix(rel, fsBlobSuffix)), "/", "")
			names = append(names, id)

			if firstIndexOnly && kopiaBlobKind(id) == blobIndex {
				return filepath.SkipAll
			}
		default:
			names = append(names, prefix+"/")
		}

		return nil
	})

	return names
}

// outerFolderRepository is the nearest folder above path holding a
// repository's format blob, or "".
func outerFolderRepository(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(filepath.Join(dir, formatBlobName+fsBlobSuffix)); err == nil && fi.Mode().IsRegular() {
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
			case !d.IsDir() && d.Name() == formatBlobName+fsBlobSuffix:
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
