// A stand-in engine helper that dies the worst way for a secret: it reads
// its request and panics with it, decoded and as it came, so that the
// app's handling of a crashed helper's output can be tested.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')

	var req map[string]any

	json.Unmarshal([]byte(line), &req) //nolint:errcheck

	fmt.Fprintf(os.Stderr, "the request: %q\n", line)
	panic(fmt.Sprintf("cannot go on with %+v, raw %s", req, line))
}
