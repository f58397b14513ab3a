// Command corso-desktop-engine does Corso Desktop's repository work (kopia,
// S3) in a process of its own, one operation per run, so the window's
// process stays small. The app starts it next to itself; it reads one
// request on stdin and writes progress and the result on stdout.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
)

func main() {
	if err := engineproto.Serve(context.Background(), kopiaengine.New(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "corso-desktop-engine: this program is run by Corso Desktop, not by hand:", err)
		os.Exit(2)
	}
}
