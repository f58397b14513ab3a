// Package dialahead opens a store's connections before the operation that
// needs them, while the person is still typing, so that the operation's
// first requests do not wait for a TCP handshake. Every HTTP client of the
// engine dials through Dial, which hands over a connection opened ahead to
// the same address if one is still good, and dials as usual otherwise.
//
// A connection waits at most MaxAge; one that the server has closed in the
// meantime (stores close idle connections, S3 after some seconds) is
// noticed when it is taken, closed, and a new one dialled in its place, so
// a closed connection costs the handshake it would have saved and nothing
// else. Only plain TCP is opened ahead: the TLS handshake stays with the
// client that verifies the certificate, with its own settings.
package dialahead

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

// MaxAge is how long a connection opened ahead is kept before it is
// replaced by a new one (while the pool is still waiting) or dropped.
// Servers close idle connections after a while of their own (nginx's
// default is 75 s, Go's 90 s, some stores less); a fresh connection is
// the cheaper bet.
const MaxAge = 20 * time.Second

// KeepFor is how long Open keeps connections fresh when no operation
// comes: as long as a prepared helper waits.
const KeepFor = 60 * time.Second

// dialTimeout bounds one connection's handshake, as Go's default
// transport does.
const dialTimeout = 30 * time.Second

// Pool holds connections opened ahead, by address.
type Pool struct {
	// dial makes a new connection; a test may put a recorder here.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// maxAge and keepFor are MaxAge and KeepFor, shorter in tests.
	maxAge, keepFor time.Duration

	mu      sync.Mutex
	waiting map[string][]opened
	// addrs are what the current Open keeps connections to, current is
	// its context (done once settled or after keepFor), and stop ends it.
	addrs   []string
	current context.Context //nolint:containedctx // the refreshing's lifetime, not a request's
	stop    context.CancelFunc
	taken   int
}

type opened struct {
	conn net.Conn
	at   time.Time
}

// Default is the process's pool, which the engine's HTTP clients dial
// through.
var Default = New()

// New is an empty pool dialling with Go's default dialer settings.
func New() *Pool {
	return &Pool{dial: defaultDialer().DialContext, maxAge: MaxAge, keepFor: KeepFor, waiting: map[string][]opened{}}
}

func defaultDialer() *net.Dialer {
	return &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
}

// SetDialer replaces how new connections are made, for a test that
// records where its clients dial; nil is Go's dialer again.
func (p *Pool) SetDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if dial == nil {
		dial = defaultDialer().DialContext
	}

	p.dial = dial
}

// Dial is DialContext for an http.Transport: a connection opened ahead to
// addr when one is still good, else a new one.
func (p *Pool) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if network == "tcp" || network == "tcp4" || network == "tcp6" {
		if c := p.take(addr); c != nil {
			return c, nil
		}
	}

	return p.dialer()(ctx, network, addr)
}

func (p *Pool) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.dial
}

// take returns a waiting connection to addr that is young enough and that
// the server has not closed, closing those that fail either test.
func (p *Pool) take(addr string) net.Conn {
	for {
		p.mu.Lock()
		list := p.waiting[addr]
		if len(list) == 0 {
			p.mu.Unlock()
			return nil
		}

		o := list[0]
		p.waiting[addr] = list[1:]
		p.mu.Unlock()

		if time.Since(o.at) < p.maxAge && open(o.conn) {
			p.mu.Lock()
			p.taken++
			p.mu.Unlock()

			return o.conn
		}

		o.conn.Close() //nolint:errcheck // closed by the server, or too old
	}
}

// open says whether the server still holds c open: a server that closed
// it has sent its end, which a read then returns at once; an open one
// leaves the read waiting until the short deadline. A server sends
// nothing on an HTTP connection before a request, so anything read means
// the connection cannot be used either.
func open(c net.Conn) bool {
	if err := c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return false
	}

	var b [1]byte
	n, err := c.Read(b[:])

	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return false
	}

	return n == 0 && errors.Is(err, os.ErrDeadlineExceeded)
}

// Open opens n connections to each address and keeps them fresh (each
// replaced when it reaches MaxAge) until ctx ends, Settle is called or
// KeepFor has passed.
// A connection that cannot be opened is not retried: the operation will
// dial, and say what went wrong, itself. Asked again for the same
// addresses while they are kept fresh, it changes nothing; for others, it
// closes what it held: the person has moved on.
func (p *Pool) Open(ctx context.Context, addrs []string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.current != nil && p.current.Err() == nil && slices.Equal(p.addrs, addrs) {
		return
	}

	if p.stop != nil {
		p.stop()
	}

	for a, list := range p.waiting {
		closeAll(list)
		delete(p.waiting, a)
	}

	ctx, p.stop = context.WithTimeout(ctx, p.keepFor)
	p.current = ctx
	p.addrs = slices.Clone(addrs)

	for _, a := range addrs {
		for range n {
			go p.keepOpen(ctx, a)
		}
	}
}

// keepOpen keeps one connection to addr waiting, replacing it when it
// grows old, until ctx ends; a connection taken meanwhile is the
// operation's and is not replaced. The fresh connection is dialled before
// the old one is let go, so that a request never finds the pool empty in
// between.
func (p *Pool) keepOpen(ctx context.Context, addr string) {
	// Bounded by the dialer's own timeout and by ctx (KeepFor).
	c, err := p.dialer()(ctx, "tcp", addr)
	if err != nil {
		return
	}

	o := opened{conn: c, at: time.Now()}
	if !p.add(ctx, addr, o) {
		return
	}

	for {
		select {
		case <-ctx.Done():
			p.dropWhenOld(addr, o)
			return
		case <-time.After(p.maxAge * 19 / 20):
		}

		// A refused or moved-on replacement leaves the old one until it is
		// taken or too old.
		c, err := p.dialer()(ctx, "tcp", addr)
		if err != nil {
			p.dropWhenOld(addr, o)
			return
		}

		fresh := opened{conn: c, at: time.Now()}
		if !p.replace(ctx, addr, o, fresh) {
			p.dropWhenOld(addr, o)
			return
		}

		o = fresh
	}
}

// add puts o among the waiting unless the pool has moved on meanwhile.
func (p *Pool) add(ctx context.Context, addr string, o opened) bool {
	p.mu.Lock()
	defer p.mu.Unlock()

	if ctx.Err() != nil {
		o.conn.Close() //nolint:errcheck // the pool moved on while it was dialled
		return false
	}

	p.waiting[addr] = append(p.waiting[addr], o)

	return true
}

// replace puts fresh where old waits and closes old; when old is no
// longer waiting (taken by the operation, or dropped) or the pool has
// moved on, fresh is closed instead and false returned.
func (p *Pool) replace(ctx context.Context, addr string, old, fresh opened) bool {
	p.mu.Lock()
	defer p.mu.Unlock()

	list := p.waiting[addr]
	i := slices.IndexFunc(list, func(w opened) bool { return w.conn == old.conn })

	if i < 0 || ctx.Err() != nil {
		fresh.conn.Close() //nolint:errcheck // not needed after all
		return false
	}

	list[i] = fresh
	old.conn.Close() //nolint:errcheck // replaced by a fresh one

	return true
}

// dropWhenOld drops o, if it still waits, once it reaches MaxAge: the pool
// was settled or waited KeepFor, and keeps what it holds only that long.
func (p *Pool) dropWhenOld(addr string, o opened) {
	time.AfterFunc(time.Until(o.at.Add(p.maxAge)), func() {
		if p.remove(addr, o) {
			o.conn.Close() //nolint:errcheck // never used
		}
	})
}

// remove takes o out of the waiting list, false when it is no longer
// there (taken, or dropped).
func (p *Pool) remove(addr string, o opened) bool {
	p.mu.Lock()
	defer p.mu.Unlock()

	list := p.waiting[addr]
	for i, w := range list {
		if w.conn == o.conn {
			p.waiting[addr] = append(list[:i:i], list[i+1:]...)
			return true
		}
	}

	return false
}

// Settle stops opening and refreshing connections: the operation has
// begun, and what it needs beyond what is waiting it dials itself. What
// is waiting stays for it until MaxAge.
func (p *Pool) Settle() {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
}

// Close closes every waiting connection and stops refreshing.
func (p *Pool) Close() {
	p.Settle()

	p.mu.Lock()
	defer p.mu.Unlock()

	for a, list := range p.waiting {
		closeAll(list)
		delete(p.waiting, a)
	}
}

// Taken is how many connections opened ahead were handed to a request.
func (p *Pool) Taken() int {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.taken
}

// Waiting is how many connections opened ahead wait for addr.
func (p *Pool) Waiting(addr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()

	return len(p.waiting[addr])
}

func closeAll(list []opened) {
	for _, o := range list {
		o.conn.Close() //nolint:errcheck // unused
	}
}
