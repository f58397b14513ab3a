package itemindex

import (
	"context"
	"sync"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoselect"
)

// Reader reads a backup's details as repo.Engine.Details does: handing
// parts to the receiver on ctx (repo.WithItemParts) as it reads, when
// there is one, and reporting its steps through repo.WithProgress.
type Reader func(ctx context.Context, req repo.DetailsRequest) (*repo.BackupDetails, error)

var _ repo.DetailsSession = (*Session)(nil)

// Session is repo.DetailsSession over the items read here.
type Session struct {
	read   Reader
	cancel context.CancelFunc
	ended  chan struct{}

	mu          sync.Mutex
	ix          *index
	picks       *picks
	folderItems []int32
	kinds       map[repo.ItemKind]bool
	step        repo.Step
	done        bool
	err         error
	closed      bool

	// searches counts the searches started; shown holds the items of
	// search shownSearch, the latest started of those finished.
	searches, shownSearch int
	shown                 []int32

	changes []repo.ItemChange
}

// Open starts reading req's backup with read, in the background, and
// returns the session that answers for its items.
func Open(read Reader, req repo.DetailsRequest) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	ix := newIndex(&repo.BackupDetails{BackupID: req.BackupID})
	s := &Session{read: read, cancel: cancel, ended: make(chan struct{}), ix: ix, picks: newPicks(ix), kinds: map[repo.ItemKind]bool{}, step: repo.StepDeriving}

	go s.load(ctx, req)

	return s
}

func (s *Session) load(ctx context.Context, req repo.DetailsRequest) {
	defer close(s.ended)

	ctx = repo.WithProgress(ctx, func(st repo.Step) {
		s.mu.Lock()
		s.step = st
		s.mu.Unlock()
	})
	ctx = repo.WithItemParts(ctx, func(part *repo.BackupDetails) {
		s.mu.Lock()
		s.add(part)
		s.mu.Unlock()
	})

	rest, err := s.read(ctx, req)

	s.mu.Lock()
	defer s.mu.Unlock()

	if rest != nil {
		s.add(rest)
		s.ix.d.Service = rest.Service
	}

	s.done, s.err = true, err

	// With every item in (or the reading stopped), sort them once in
	// each order while the window shows the first answer: a search in
	// another order then only filters.
	snap := s.ix.snapshot()

	go func() {
		orders := snap.sortedOrders(ctx)

		s.mu.Lock()
		defer s.mu.Unlock()

		if orders != nil && !s.closed && s.ix.d.Len() == snap.d.Len() {
			s.ix.orders = orders
		}
	}()
}

// add puts part after what was read; s.mu is held.
func (s *Session) add(part *repo.BackupDetails) {
	if s.closed {
		return
	}

	d := s.ix.d
	before, from := len(d.Folders), d.Len()

	d.Append(part)
	s.ix.grow(before)
	s.picks.grow()

	s.folderItems = append(s.folderItems, make([]int32, len(d.Folders)-before)...)
	for i := from; i < d.Len(); i++ {
		s.folderItems[d.FolderIndex(i)]++
		s.kinds[d.Kind(i)] = true
	}
}

// Status is how far the reading is.
func (s *Session) Status(ctx context.Context, fromFolder int) (*repo.DetailsStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	d := s.ix.d
	st := &repo.DetailsStatus{Step: s.step, Items: d.Len(), FolderCount: len(d.Folders), Done: s.done, Err: s.err}

	if fromFolder >= 0 && fromFolder < len(d.Folders) {
		st.Folders = d.Folders[fromFolder:min(len(d.Folders), fromFolder+repo.MaxStatusFolders)]
	}

	st.FolderItems = append([]int32(nil), s.folderItems...)

	for _, k := range repo.ItemKinds {
		if s.kinds[k] {
			st.Kinds = append(st.Kinds, k)
		}
	}

	return st, nil
}

// Search finds q's items among those read so far, on a snapshot, so the
// reading goes on meanwhile.
func (s *Session) Search(ctx context.Context, q repo.ItemsQuery) (*repo.ItemsFound, error) {
	s.mu.Lock()
	s.searches++
	n, snap := s.searches, s.ix.snapshot()
	s.mu.Unlock()

	out := snap.match(ctx, q)
	if err := ctx.Err(); err != nil {
		return nil, repo.CanceledError(err)
	}

	found := &repo.ItemsFound{Search: n, Items: len(out)}
	for _, i := range out {
		found.Bytes += snap.d.Size(int(i))
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	if n > s.shownSearch && !s.closed {
		s.shown, s.shownSearch = out, n
	}

	return found, nil
}

// staleSearch says a search's items are no longer kept.
func staleSearch(n int) error {
	return repo.NewError(repo.CodeCanceled, context.Canceled, "Search %d was replaced by a newer one; show that one's items instead.", n)
}

// Shown is up to n rows of search from position from on.
func (s *Session) Shown(ctx context.Context, search, from, n int) ([]repo.ShownItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if search != s.shownSearch {
		return nil, staleSearch(search)
	}

	from = max(from, 0)
	to := min(len(s.shown), from+min(max(n, 0), repo.MaxShown))

	rows := make([]repo.ShownItem, 0, max(to-from, 0))
	for _, i := range s.shown[from:max(from, to)] {
		rows = append(rows, repo.ShownItem{Index: i, Item: s.ix.d.Item(int(i)), Picked: s.picks.item[i]})
	}

	return rows, nil
}

// Pick picks or unpicks what p names.
func (s *Session) Pick(ctx context.Context, p repo.PickRequest) (*repo.Picked, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	switch p.What {
	case repo.PickItem:
		if p.Index < 0 || int(p.Index) >= s.ix.d.Len() {
			return nil, repo.NewError(repo.CodeInvalidField, nil, "There is no item %d in this backup to pick.", p.Index)
		}

		s.picks.pickItem(int(p.Index), p.On)
	case repo.PickFolder:
		s.picks.pickFolder(p.Folder, p.On)
	case repo.PickShown:
		if p.Search != s.shownSearch {
			return nil, staleSearch(p.Search)
		}

		for _, i := range s.shown {
			s.picks.pickItem(int(i), p.On)
		}
	case repo.PickNone:
		s.picks.clear()
	case repo.PickAsIs:
	default:
		return nil, repo.NewError(repo.CodeInvalidField, nil, "Nothing was picked: the request named no kind of pick.")
	}

	return s.picks.state(), nil
}

// SelectionFlags are the CLI's flags for the picks, once every item is
// read (a command for part of a backup would select the wrong items).
func (s *Session) SelectionFlags(ctx context.Context, verb string) (*repo.SelectedFlags, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if !s.done || s.err != nil {
		return nil, repo.NewError(repo.CodeInvalidField, nil, "Not every item of this backup is read yet, so no command can name exactly what is picked. Wait for the reading to finish.")
	}

	out := &repo.SelectedFlags{Items: s.picks.count, Bytes: s.picks.bytes}
	if out.Items == 0 {
		return out, nil
	}

	items, folders := s.picks.selection()

	flags, err := corsoselect.Flags(corsoselect.Selection{Verb: verb, Details: s.ix.d, Items: items, Folders: folders})
	if err != nil {
		return nil, repo.NewError(repo.CodeInvalidField, err, "%s", err.Error())
	}

	out.Flags = flags

	return out, nil
}

// Compare reads req's backup, whole, and keeps what changed between it
// and this one.
func (s *Session) Compare(ctx context.Context, req repo.CompareRequest) (*repo.ChangeCounts, error) {
	s.mu.Lock()
	done, readErr, this := s.done, s.err, s.ix.d.Snapshot()
	s.mu.Unlock()

	if !done || readErr != nil {
		return nil, repo.NewError(repo.CodeInvalidField, nil, "Not every item of this backup is read yet, so it cannot be compared. Wait for the reading to finish.")
	}

	// Without a receiver on ctx the reader returns the other backup whole.
	other, err := s.read(repo.WithItemParts(ctx, nil), repo.DetailsRequest{BackupID: req.BackupID})
	if err != nil {
		return nil, err
	}

	older, newer := other, this
	if !req.Older {
		older, newer = this, other
	}

	changes := repo.Compare(older, newer)
	counts := &repo.ChangeCounts{}

	for _, c := range changes {
		switch c.Change {
		case repo.Added:
			counts.Added++
		case repo.Changed:
			counts.Changed++
		case repo.Removed:
			counts.Removed++
		}
	}

	s.mu.Lock()
	s.changes = changes
	s.mu.Unlock()

	return counts, nil
}

// Changes is up to n of the last comparison's changes of kind change (0:
// all) from position from on.
func (s *Session) Changes(ctx context.Context, change repo.DetailsChange, from, n int) ([]repo.ItemChange, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	n = min(max(n, 0), repo.MaxShown)

	var out []repo.ItemChange

	seen := 0

	for _, c := range s.changes {
		if change != 0 && c.Change != change {
			continue
		}

		if seen >= from {
			out = append(out, c)
		}

		seen++

		if len(out) == n {
			break
		}
	}

	return out, nil
}

// StopReading stops the reading; what was read stays.
func (s *Session) StopReading(ctx context.Context) error {
	s.cancel()

	select {
	case <-s.ended:
		return nil
	case <-ctx.Done():
		return repo.CanceledError(ctx.Err())
	}
}

// Close stops the reading and forgets the items.
func (s *Session) Close() error {
	s.cancel()
	<-s.ended

	s.mu.Lock()
	defer s.mu.Unlock()

	s.closed = true
	s.ix = newIndex(&repo.BackupDetails{BackupID: s.ix.d.BackupID, Service: s.ix.d.Service})
	s.picks, s.shown, s.changes, s.folderItems = newPicks(s.ix), nil, nil, nil

	return nil
}
