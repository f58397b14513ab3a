//go:build !remote_engine

package repo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func Check(ctx context.Context, s Settings, secrets S3Secrets, mode CheckMode) (*Report, error) {
	n, err := Normalize(s)
	if err != nil {
		return nil, err
	}

	var rep *Report
	if f, ok := n.(Filesystem); ok {
		rep = checkFilesystem(f, mode)
	} else {
		loc, _ := asS3(n)
		rep = checkS3(ctx, loc, secrets, mode)
	}

	if ctx.Err() != nil {
		return rep, canceledError(ctx.Err())
	}

	return rep, nil
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

		rep.add("Folder", StatusOK, f.Path+" does not exist yet; it will be created with private permissions (0700).")
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

		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, strings.TrimSuffix(e.Name(), fsBlobSuffix))

			if e.Name() == blobCfgBlobName+fsBlobSuffix {
				if fi, err := e.Info(); err == nil {
					rep.Created = fi.ModTime()
				}
			}
		}

		rep.State, rep.HalfMade = classifyNames(names)
		rep.add("Folder", StatusOK, f.Path+" exists and can be used.")
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
