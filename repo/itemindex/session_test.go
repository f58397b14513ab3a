package itemindex_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/itemindex"
)

// partsReader hands n items over in parts of size, each part waiting for
// the go-ahead of step (nil: none), as an engine reading a store would.
func partsReader(n, size int, step <-chan struct{}) itemindex.Reader {
	return func(ctx context.Context, req repo.DetailsRequest) (*repo.BackupDetails, error) {
		receive := repo.ItemParts(ctx)
		all := &repo.BackupDetails{BackupID: req.BackupID, Service: "onedrive"}

		for f := range 10 {
			all.Folders = append(all.Folders, []string{"Drive", fmt.Sprintf("folder %d", f)})
		}

		for i := range n {
			all.Add(repo.DetailItem{Ref: fmt.Sprintf("%012x", i), Folder: int32(i % 10), Kind: repo.KindFile, Name: fmt.Sprintf("file-%06d.txt", i), Size: int64(i)})
		}

		if receive == nil {
			return all, nil
		}

		rest := &repo.BackupDetails{BackupID: req.BackupID, Service: "onedrive"}

		for from := 0; from < n; from += size {
			if step != nil {
				select {
				case <-step:
				case <-ctx.Done():
					return nil, repo.CanceledError(ctx.Err())
				}
			}

			part := all.Slice(from, min(n, from+size))
			if from == 0 {
				part.Folders = all.Folders
			}

			receive(part)
		}

		return rest, nil
	}
}

func waitDone(t *testing.T, s repo.DetailsSession) *repo.DetailsStatus {
	t.Helper()

	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		st, err := s.Status(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}

		if st.Done {
			return st
		}
	}

	t.Fatal("the reading did not end")

	return nil
}

// TestSessionAnswersWhileItReads runs searches, rows, picks and statuses
// concurrently with the reading, many times (under -race: each question
// reads what the reading writes), and then checks that the picks and the
// last search count what was read.
func TestSessionAnswersWhileItReads(t *testing.T) {
	ctx := context.Background()

	for round := range 20 {
		s := itemindex.Open(partsReader(20000, 500, nil), repo.DetailsRequest{BackupID: "b"})

		var wg sync.WaitGroup

		for w := range 4 {
			wg.Add(1)

			go func() {
				defer wg.Done()

				for k := 0; k < 30; k++ {
					found, err := s.Search(ctx, repo.ItemsQuery{Text: "file-00", Order: repo.ItemOrder(k % 5)})
					if err != nil {
						t.Error(err)
						return
					}

					s.Shown(ctx, found.Search, 0, 50) //nolint:errcheck // a newer search may have replaced it
					s.Status(ctx, 0)                  //nolint:errcheck

					if w == 0 {
						s.Pick(ctx, repo.PickRequest{What: repo.PickFolder, Folder: []string{"Drive", "folder 3"}, On: k%2 == 0}) //nolint:errcheck
					}
				}
			}()
		}

		wg.Wait()

		st := waitDone(t, s)
		if st.Err != nil || st.Items != 20000 || len(st.FolderItems) != 10 || st.FolderItems[3] != 2000 {
			t.Fatalf("round %d: %+v", round, st)
		}

		picked, err := s.Pick(ctx, repo.PickRequest{What: repo.PickFolder, Folder: []string{"Drive", "folder 3"}, On: true})
		if err != nil || picked.Items != 2000 || picked.Bytes == 0 {
			t.Fatalf("round %d: picked %+v, %v", round, picked, err)
		}

		found, err := s.Search(ctx, repo.ItemsQuery{Text: "FILE-00", MinSize: 100, MaxSize: 200})
		if err != nil || found.Items != 100 {
			t.Fatalf("round %d: found %+v, %v", round, found, err)
		}

		s.Close() //nolint:errcheck
	}
}

// TestSessionStopKeepsWhatWasRead: a stop while reading ends it cancelled
// with the parts read kept and searchable; flags are refused for them.
func TestSessionStopKeepsWhatWasRead(t *testing.T) {
	ctx := context.Background()
	step := make(chan struct{})
	s := itemindex.Open(partsReader(5000, 1000, step), repo.DetailsRequest{BackupID: "b"})

	defer s.Close() //nolint:errcheck

	step <- struct{}{}
	step <- struct{}{}

	for st, _ := s.Status(ctx, 0); st.Items < 2000; st, _ = s.Status(ctx, 0) {
		time.Sleep(time.Millisecond)
	}

	if err := s.StopReading(ctx); err != nil {
		t.Fatal(err)
	}

	st := waitDone(t, s)
	if repo.CodeOf(st.Err) != repo.CodeCanceled || st.Items != 2000 {
		t.Fatalf("%d items, %v", st.Items, st.Err)
	}

	found, err := s.Search(ctx, repo.ItemsQuery{})
	if err != nil || found.Items != 2000 {
		t.Fatalf("%+v, %v", found, err)
	}

	if _, err := s.Pick(ctx, repo.PickRequest{What: repo.PickShown, Search: found.Search, On: true}); err != nil {
		t.Fatal(err)
	}

	if _, err := s.SelectionFlags(ctx, "restore"); err == nil {
		t.Fatal("flags for a backup read in part")
	}

	if _, err := s.Pick(ctx, repo.PickRequest{What: repo.PickItem, Index: 2000, On: true}); err == nil {
		t.Fatal("an item not read was picked")
	}
}
