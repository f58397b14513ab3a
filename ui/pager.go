package ui

import (
	"context"

	"fyne.io/fyne/v2/widget"
)

// pager shows a list whose rows stay in the engine (a backup's items, a
// comparison's changes): it asks for the page of rows the list shows,
// off the UI goroutine, keeps a few pages, and shows a row as soon as
// its page arrives. All its fields are the UI goroutine's.
type pager[T any] struct {
	a     *App
	list  *widget.List
	total int
	// key names the result the rows come from (a search); pages of
	// another key are dropped.
	key int
	// gen counts changes to the rows' content (picks): a page from an
	// older gen is still shown, and asked for again.
	gen     int
	pages   map[int]pagerPage[T]
	pending map[int]int
	fetch   func(ctx context.Context, key, from, n int) ([]T, error)
	// failed is the last page that could not be read, said by the owner.
	failed func(error)
}

type pagerPage[T any] struct {
	rows []T
	gen  int
}

// pageRows is how many rows one question asks for; keptPages how many
// pages the window keeps: a screenful or two, never the whole list.
const (
	pageRows  = 100
	keptPages = 16
)

func newPager[T any](a *App, fetch func(ctx context.Context, key, from, n int) ([]T, error)) *pager[T] {
	return &pager[T]{a: a, fetch: fetch, pages: map[int]pagerPage[T]{}, pending: map[int]int{}, failed: func(error) {}}
}

// reset shows total rows of result key.
func (p *pager[T]) reset(key, total int) {
	p.key, p.total = key, total
	clear(p.pages)
	clear(p.pending)
}

// stale marks every page kept as needing a new read.
func (p *pager[T]) stale() { p.gen++ }

// row is row id if its page is here; when it is not, or is stale, the
// page is asked for.
func (p *pager[T]) row(id int) (T, bool) {
	var zero T

	if id < 0 || id >= p.total {
		return zero, false
	}

	n := id / pageRows
	pg, ok := p.pages[n]

	if !ok || pg.gen != p.gen {
		p.ask(n)
	}

	if !ok || id-n*pageRows >= len(pg.rows) {
		return zero, false
	}

	return pg.rows[id-n*pageRows], true
}

func (p *pager[T]) ask(n int) {
	if gen, ok := p.pending[n]; ok && gen == p.gen {
		return
	}

	p.pending[n] = p.gen
	key, gen := p.key, p.gen

	go func() {
		rows, err := p.fetch(context.Background(), key, n*pageRows, pageRows)

		p.a.post(func() {
			if key != p.key {
				return
			}

			if p.pending[n] == gen {
				delete(p.pending, n)
			}

			if err != nil {
				p.failed(err)
				return
			}

			for k := range p.pages {
				if len(p.pages) >= keptPages && (k < n-keptPages/2 || k > n+keptPages/2) {
					delete(p.pages, k)
				}
			}

			p.pages[n] = pagerPage[T]{rows: rows, gen: gen}
			if p.list != nil {
				p.list.Refresh()
			}
		})
	}()
}

// each changes every row kept, for a change shown before the engine
// confirms it.
func (p *pager[T]) each(f func(*T)) {
	for _, pg := range p.pages {
		for i := range pg.rows {
			f(&pg.rows[i])
		}
	}
}

// busy says rows were asked for and have not arrived.
func (p *pager[T]) busy() bool { return len(p.pending) > 0 }
