// Verification: what a repository holds is read back and checked, and
// whatever is missing or damaged is named by the Corso backup it belongs
// to. It writes nothing.

package kopiaengine

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/content"
	"github.com/kopia/kopia/repo/content/index"
	"github.com/kopia/kopia/repo/manifest"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// Verify reads a connected repository back and says what is missing or
// damaged; see repo.Engine. Like maintenance it has no overall deadline
// (a full verification reads everything); each request is watched.
func (*Engine) Verify(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.VerifyRequest) (*repo.VerifyResult, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	ctx, _, stop := withWatch(ctx)
	defer stop()

	res, err := verifyOp(ctx, local, secrets, req)

	return res, stalled(ctx, err, locationOf(local))
}

// verifyWorkers is how many packs a full verification reads at once.
const verifyWorkers = 8

// maxHiddenIndexes bounds how many unreadable index blobs are set aside to
// open the rest.
const maxHiddenIndexes = 64

func verifyOp(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.VerifyRequest) (*repo.VerifyResult, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	if req.Mode != repo.VerifyQuick && req.Mode != repo.VerifyFull {
		return nil, repo.NewError(repo.CodeUnknown, nil, "Choose a quick or a full verification.")
	}

	started := time.Now()
	where := locationOf(local)
	v := &verifier{res: &repo.VerifyResult{Mode: req.Mode}, aids: &verifyAids{}}

	repo.Progress(ctx, repo.StepVerifyIndexes)

	dr, err := v.open(ctx, local, secrets)
	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}
	defer dr.Close(ctx) //nolint:errcheck

	v.dr = dr

	steps := []func(context.Context) error{v.readManifests, v.checkPacks}
	if req.Mode == repo.VerifyFull {
		steps = append(steps, func(ctx context.Context) error { return v.readPacks(ctx, req.Share) })
	}

	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, preflight.Classify(ctx, err, where)
		}
	}

	if len(v.res.Problems) > 0 {
		repo.Progress(ctx, repo.StepVerifyAttribute)

		if err := v.attribute(ctx); err != nil {
			return nil, preflight.Classify(ctx, err, where)
		}
	}

	v.res.Took = time.Since(started)

	return v.res, nil
}

// verifier is one verification under way.
type verifier struct {
	res  *repo.VerifyResult
	aids *verifyAids
	dr   kopiarepo.DirectRepository

	mu sync.Mutex
	// damaged are the contents found missing, cut short or not decrypting,
	// by the problem they belong to.
	damaged map[content.ID]int
	// manifests are the manifest entries that could be read.
	manifests []manifestRecord
	// packs are the packs the index names that are there, by ID.
	packs map[blob.ID]*packUse
	// records are the problems that can take records (manifests) with
	// them: unreadable index blobs and manifest contents, packs holding
	// manifests.
	records map[int]bool
}

// indexBlobError finds the index blob kopia could not read when opening.
var indexBlobError = regexp.MustCompile(`index blob (x[0-9a-zA-Z_-]+)`)

// open opens the repository read-only; an index blob kopia cannot read is
// recorded and set aside, and the rest opened.
func (v *verifier) open(ctx context.Context, local repo.Local, secrets repo.Secrets) (kopiarepo.DirectRepository, error) {
	ctx = withVerifyAids(ctx, v.aids)

	for range maxHiddenIndexes {
		dr, err := openReading(ctx, local, secrets)
		if err == nil {
			indexes, err := dr.IndexBlobs(ctx, false)
			v.res.Indexes = len(indexes)

			return dr, err
		}

		m := indexBlobError.FindStringSubmatch(rawCause(err))
		if m == nil {
			return nil, err
		}

		id := blob.ID(m[1])
		if _, done := v.aids.hidden.LoadOrStore(id, struct{}{}); done {
			return nil, err
		}

		v.recordProblem(v.problem(repo.VerifyProblem{What: "The index blob " + m[1] + " cannot be read or decrypted (damaged or cut short): the contents it lists cannot be found.", Blob: m[1]}))
	}

	return nil, errors.New("too many index blobs cannot be read")
}

// rawCause is the text of err's technical cause.
func rawCause(err error) string {
	var e *repo.Error
	if errors.As(err, &e) && errors.Unwrap(e) != nil {
		return errors.Unwrap(e).Error()
	}

	return err.Error()
}

func (v *verifier) problem(p repo.VerifyProblem) int {
	v.mu.Lock()
	defer v.mu.Unlock()

	v.res.Problems = append(v.res.Problems, p)

	return len(v.res.Problems) - 1
}

// recordProblem marks problem i as one that can take records with it.
func (v *verifier) recordProblem(i int) {
	v.mu.Lock()
	defer v.mu.Unlock()

	if v.records == nil {
		v.records = map[int]bool{}
	}

	v.records[i] = true
}

func contentsText(n int) string {
	if n == 1 {
		return "1 content"
	}

	return fmt.Sprintf("%d contents", n)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}

	return "are"
}

// markDamaged records content id as part of problem i.
func (v *verifier) markDamaged(id content.ID, i int) {
	v.mu.Lock()
	defer v.mu.Unlock()

	if v.damaged == nil {
		v.damaged = map[content.ID]int{}
	}

	v.damaged[id] = i
}

// manifestRecord is one manifest entry, as kopia stores it.
type manifestRecord struct {
	ID      manifest.ID       `json:"id"`
	Labels  map[string]string `json:"labels"`
	Deleted bool              `json:"deleted,omitempty"`
	Data    json.RawMessage   `json:"data"`
}

// readManifests reads and decrypts every manifest content, one by one (so
// that one unreadable content hides no other), and keeps the entries.
func (v *verifier) readManifests(ctx context.Context) error {
	cr := v.dr.ContentReader()

	return cr.IterateContents(ctx, content.IterateOptions{Range: index.PrefixRange(manifest.ContentPrefix), Parallel: 4}, func(ci content.Info) error {
		entries, err := readManifestContent(ctx, cr, ci.ContentID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}

			i := v.problem(repo.VerifyProblem{What: fmt.Sprintf("A manifest content (%s, in %s) cannot be read: the records it holds are lost.", ci.ContentID, ci.PackBlobID), Blob: string(ci.PackBlobID)})
			v.markDamaged(ci.ContentID, i)
			v.recordProblem(i)

			return nil
		}

		v.mu.Lock()
		v.manifests = append(v.manifests, entries...)
		v.res.Manifests += len(entries)
		v.mu.Unlock()

		return nil
	})
}

func readManifestContent(ctx context.Context, cr content.Reader, id content.ID) ([]manifestRecord, error) {
	data, err := cr.GetContent(ctx, id)
	if err != nil {
		return nil, err
	}

	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}

	var m struct {
		Entries []manifestRecord `json:"entries"`
	}

	if err := json.NewDecoder(gz).Decode(&m); err != nil {
		return nil, err
	}

	return m.Entries, nil
}

// packUse is what the index says one pack holds.
type packUse struct {
	contents []content.ID
	// end is where its last content ends.
	end  int64
	size int64
}

// packsInUse is what the index says each pack holds.
func (v *verifier) packsInUse(ctx context.Context) (map[blob.ID]*packUse, error) {
	packs := map[blob.ID]*packUse{}

	var mu sync.Mutex

	err := v.dr.ContentReader().IterateContents(ctx, content.IterateOptions{Parallel: 4}, func(ci content.Info) error {
		mu.Lock()
		defer mu.Unlock()

		p := packs[ci.PackBlobID]
		if p == nil {
			p = &packUse{}
			packs[ci.PackBlobID] = p
		}

		p.contents = append(p.contents, ci.ContentID)
		p.end = max(p.end, int64(ci.PackOffset)+int64(ci.PackedLength))

		return nil
	})

	return packs, err
}

// checkPacks checks that every pack the index names is there and long
// enough for what the index says it holds.
func (v *verifier) checkPacks(ctx context.Context) error {
	repo.Progress(ctx, repo.StepVerifyPacks)

	packs, err := v.packsInUse(ctx)
	if err != nil {
		return err
	}

	existing, err := blob.ReadBlobMap(ctx, v.dr.BlobReader())
	if err != nil {
		return err
	}

	ids := make([]blob.ID, 0, len(packs))
	for id := range packs {
		ids = append(ids, id)
	}

	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	for _, id := range ids {
		p := packs[id]
		v.res.Packs++
		v.res.Contents += len(p.contents)

		md, ok := existing[id]

		var what string

		switch {
		case !ok:
			what = fmt.Sprintf("The pack %s is missing: %s in it %s lost.", id, contentsText(len(p.contents)), isAre(len(p.contents)))
		case md.Length < p.end:
			what = fmt.Sprintf("The pack %s is cut short (%d bytes, the index needs %d): %s in it cannot be read.", id, md.Length, p.end, contentsText(len(p.contents)))
		default:
			p.size = md.Length
			continue
		}

		i := v.problem(repo.VerifyProblem{What: what, Blob: string(id)})
		for _, c := range p.contents {
			v.markDamaged(c, i)

			if c.Prefix() == manifest.ContentPrefix {
				v.recordProblem(i)
			}
		}

		delete(packs, id)
	}

	v.packs = packs

	return nil
}

// readPacks reads each pack whole, one request each, several at once, and
// decrypts every content in it from memory; share chooses a random part
// of the packs (0 or 1: all).
func (v *verifier) readPacks(ctx context.Context, share float64) error {
	ids := make([]blob.ID, 0, len(v.packs))
	for id := range v.packs {
		if share <= 0 || share >= 1 || rand.Float64() < share { //nolint:gosec // a sample, not a secret
			ids = append(ids, id)
		}
	}

	var total int64
	for _, id := range ids {
		total += v.packs[id].size
	}

	var (
		done   atomic.Int64
		next   atomic.Int64
		wg     sync.WaitGroup
		errMu  sync.Mutex
		failed error
	)

	repo.Progress(ctx, repo.StepVerifyContents)
	repo.Counted(ctx, repo.StepVerifyContents, 0, total)

	for range min(verifyWorkers, len(ids)) {
		wg.Add(1)

		go func() {
			defer wg.Done()

			// One buffer per worker, reused pack after pack: a fresh one
			// for each would be cleared by the runtime, byte by byte.
			var buf packBuffer

			for {
				n := int(next.Add(1)) - 1
				if n >= len(ids) || ctx.Err() != nil {
					return
				}

				if err := v.readPack(ctx, ids[n], &buf); err != nil {
					errMu.Lock()
					failed = err
					errMu.Unlock()

					return
				}

				repo.Counted(ctx, repo.StepVerifyContents, done.Add(v.packs[ids[n]].size), total)
			}
		}()
	}

	wg.Wait()

	if ctx.Err() != nil {
		return ctx.Err()
	}

	return failed
}

// readPack reads one pack into buf and decrypts each of its contents.
func (v *verifier) readPack(ctx context.Context, id blob.ID, buf *packBuffer) error {
	p := v.packs[id]

	buf.ready(int(p.size))

	if err := v.dr.BlobReader().GetBlob(ctx, id, 0, -1, buf); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}

		i := v.problem(repo.VerifyProblem{What: fmt.Sprintf("The pack %s cannot be read: %s", id, repo.SanitizeDetail(err.Error())), Blob: string(id)})
		for _, c := range p.contents {
			v.markDamaged(c, i)
		}

		return nil
	}

	v.aids.held.Store(id, buf.Bytes())
	defer v.aids.held.Delete(id)

	v.mu.Lock()
	v.res.PacksRead++
	v.res.BytesRead += int64(buf.Length())
	v.mu.Unlock()

	var bad []content.ID

	for _, c := range p.contents {
		if _, err := v.dr.ContentReader().GetContent(ctx, c); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}

			bad = append(bad, c)
		}
	}

	if len(bad) > 0 {
		i := v.problem(repo.VerifyProblem{What: fmt.Sprintf("The pack %s is damaged: %d of its %s %s not decrypt.", id, len(bad), contentsText(len(p.contents)), map[bool]string{true: "does", false: "do"}[len(bad) == 1]), Blob: string(id)})
		for _, c := range bad {
			v.markDamaged(c, i)
		}
	}

	return nil
}
