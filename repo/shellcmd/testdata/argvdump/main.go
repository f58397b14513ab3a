// A stand-in for a program a copied command runs: it writes the arguments
// it was given and the variables named in CORSO_TEST_VARS, as JSON, to
// the file CORSO_TEST_RECORD names, so that a test can compare them with
// what the command was meant to hand over.
package main

import (
	"encoding/json"
	"os"
	"strings"
)

func main() {
	env := map[string]string{}

	for _, name := range strings.Split(os.Getenv("CORSO_TEST_VARS"), ",") {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}

	b, _ := json.Marshal(map[string]any{"args": os.Args[1:], "env": env})
	os.WriteFile(os.Getenv("CORSO_TEST_RECORD"), b, 0o600) //nolint:errcheck
}
