package repotest

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// measurer runs its arguments as a child of its own and, once that ends,
// writes the child's peak resident memory (KiB) as its last line of
// stderr, with the child's exit status as its own.
const measurer = `import resource, subprocess, sys
status = subprocess.run(sys.argv[1:]).returncode
sys.stderr.write("\npeak-kib %d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(status)`

// Measured is a command whose peak memory can be read once it ends.
// Linux counts in a child's peak the memory its parent held when it
// started it (the two share it until exec), so a child of a large test
// process would report the test's size: the command runs instead as the
// child of a small Python process, which reports it.
type Measured struct {
	*exec.Cmd
	stderr bytes.Buffer
}

// MeasuredCommand is name with args, to be measured (Stdin and Stdout are
// the caller's to set; Stderr is kept).
func MeasuredCommand(name string, args ...string) *Measured {
	m := &Measured{Cmd: exec.Command("python3", append([]string{"-c", measurer, name}, args...)...)}
	m.Stderr = &m.stderr

	return m
}

// PeakMiB is the command's peak resident memory, once it has ended.
func (m *Measured) PeakMiB() (float64, error) {
	text := m.stderr.String()

	i := strings.LastIndex(text, "peak-kib ")
	if i < 0 {
		return 0, fmt.Errorf("repotest: no peak measured: %.300s", text)
	}

	kib, err := strconv.ParseFloat(strings.TrimSpace(text[i+len("peak-kib "):]), 64)
	if err != nil {
		return 0, err
	}

	return kib / 1024, nil
}
