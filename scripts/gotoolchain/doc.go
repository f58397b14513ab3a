// Package gotoolchain tests scripts/go.sh, which finds or fetches the Go
// toolchain `make run` and `make test` need; it has no code of its own.
package gotoolchain
