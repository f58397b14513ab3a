package platform

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// One app per user: two would each look after the same repositories on
// their own schedule, each with a tray icon and its own notifications.
// The first to start holds a lock in the user's settings folder and
// listens on the loopback interface; a second start finds the lock held
// and asks the first to show its window instead.

const (
	instanceLockName = "instance.lock"
	// instanceAddrName holds the first instance's port and a token only
	// this user can read (the file is 0600 in a 0700 folder, owner-only
	// on Windows): another user on the computer cannot ask it anything.
	instanceAddrName = "instance"
	// instanceWait is how long a second start tries to reach the first
	// (which may have just taken the lock and not yet written its
	// address); instanceAnswer how long the first has for one question.
	instanceWait   = 5 * time.Second
	instanceAnswer = 2 * time.Second
)

// Requests a second start makes of the first.
const (
	AskShow = "show" // show the window and bring it forward
	AskStay = "stay" // nothing: a login-item start finding the app running
)

// ErrOtherInstance says the app already runs for this user, and was told
// (AskShow: it shows its window); this start has nothing more to do.
var ErrOtherInstance = errors.New("platform: Corso Desktop already runs for this user, and was told")

// Instance is this process's claim to be the app's one instance.
type Instance struct {
	lock  *flock.Flock
	ln    net.Listener
	token string
}

// ClaimInstance makes this process the app's instance for the user whose
// settings folder dir is, or, when another process already is, sends it
// ask and returns ErrOtherInstance. An instance that holds the claim but
// does not answer is a *Error with CodeBusy, saying what to do.
func ClaimInstance(dir, ask string) (*Instance, error) {
	if err := MkdirPrivate(dir); err != nil {
		return nil, NewError(CodeIO, err, "Could not create the settings folder %s. Check that you can write there.", dir)
	}

	lock := flock.New(filepath.Join(dir, instanceLockName), flock.SetPermissions(FileMode))
	addr := filepath.Join(dir, instanceAddrName)

	var last error

	for deadline := time.Now().Add(instanceWait); ; time.Sleep(100 * time.Millisecond) {
		held, err := lock.TryLock()
		if err != nil {
			return nil, NewError(CodeIO, err, "Could not lock %s. Check that you can write to %s.", lock.Path(), dir)
		}

		if held {
			inst, err := listen(lock, addr)
			if err != nil {
				lock.Unlock() //nolint:errcheck
				return nil, err
			}

			return inst, nil
		}

		if last = askOther(addr, ask, deadline); last == nil {
			return nil, ErrOtherInstance
		}

		if time.Now().After(deadline) {
			return nil, NewError(CodeBusy, last, "Corso Desktop is already running for you on this computer, but it did not answer within %d seconds. Quit it from its tray icon (or end it in the task manager), then start Corso Desktop again.", int(instanceWait.Seconds()))
		}
	}
}

// listen starts answering later starts, and says where.
func listen(lock *flock.Flock, addr string) (*Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, NewError(CodeIO, err, "Could not listen on this computer's loopback interface, which Corso Desktop uses to find itself when started twice.")
	}

	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // never fails (crypto/rand)

	inst := &Instance{lock: lock, ln: ln, token: hex.EncodeToString(b)}
	port := ln.Addr().(*net.TCPAddr).Port

	if err := WriteFileAtomic(addr, fmt.Appendf(nil, "%d %s\n", port, inst.token)); err != nil {
		ln.Close() //nolint:errcheck
		return nil, NewError(CodeIO, err, "Could not write %s. Check that you can write there.", addr)
	}

	return inst, nil
}

// askOther sends ask to the instance whose address file is addr, giving
// up at deadline (the wait the refusal states) or after instanceAnswer.
func askOther(addr, ask string, deadline time.Time) error {
	raw, err := ReadRegularFile(addr, 256)
	if err != nil {
		return err
	}

	var (
		port  int
		token string
	)

	if _, err := fmt.Sscanf(string(raw), "%d %s", &port, &token); err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}

	if soon := time.Now().Add(instanceAnswer); soon.Before(deadline) {
		deadline = soon
	}

	conn, err := (&net.Dialer{Deadline: deadline}).Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	defer conn.Close()

	conn.SetDeadline(deadline) //nolint:errcheck

	if _, err := fmt.Fprintf(conn, "%s %s\n", token, ask); err != nil {
		return err
	}

	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}

	if strings.TrimSpace(reply) != "ok" {
		return fmt.Errorf("the other instance answered %q", reply)
	}

	return nil
}

// Serve answers later starts until Close, calling asked (on a goroutine
// of its own) with what each asked for.
func (i *Instance) Serve(asked func(ask string)) {
	go func() {
		for {
			conn, err := i.ln.Accept()
			if err != nil {
				return // closed
			}

			go i.answer(conn, asked)
		}
	}()
}

// answer reads one request; a wrong token gets no answer and asks nothing.
func (i *Instance) answer(conn net.Conn, asked func(string)) {
	defer conn.Close()

	conn.SetDeadline(time.Now().Add(instanceAnswer)) //nolint:errcheck

	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return
	}

	token, ask, _ := strings.Cut(strings.TrimSpace(line), " ")
	if subtle.ConstantTimeCompare([]byte(token), []byte(i.token)) != 1 || (ask != AskShow && ask != AskStay) {
		return
	}

	asked(ask)
	conn.Write([]byte("ok\n")) //nolint:errcheck
}

// Close gives the claim up: later starts become the instance. The address
// file stays; the next instance writes its own.
func (i *Instance) Close() {
	i.ln.Close()    //nolint:errcheck
	i.lock.Unlock() //nolint:errcheck
}
