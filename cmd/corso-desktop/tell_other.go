//go:build !windows

package main

import (
	"fmt"
	"os"
)

// tell prints a command-line verdict: to stdout when ok, else stderr.
func tell(ok bool, text string) {
	if ok {
		fmt.Println(text)
	} else {
		fmt.Fprintln(os.Stderr, text)
	}
}
