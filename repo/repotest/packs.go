package repotest

import (
	"context"
	"crypto/md5" //nolint:gosec // names, not secrets
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
)

// PutPacks writes small objects numbered from to n-1 under prefix, named
// as kopia names its data packs ("p" and 32 random-looking hex digits, the
// same for the same number), 32 at a time: a repository of many blobs
// without writing them through kopia.
func (m *MinIO) PutPacks(t testing.TB, bucket, prefix string, from, n int) {
	t.Helper()

	c := m.Client(t)
	work := make(chan int)

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail error
	)

	for w := 0; w < 32; w++ {
		wg.Add(1)

		go func() {
			defer wg.Done()

			for i := range work {
				key := fmt.Sprintf("%sp%x", prefix, md5.Sum([]byte(strconv.Itoa(i)))) //nolint:gosec // a name
				if _, err := c.PutObject(context.Background(), bucket, key, strings.NewReader("pack"), 4, minio.PutObjectOptions{}); err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
				}
			}
		}()
	}

	for i := from; i < n; i++ {
		work <- i
	}

	close(work)
	wg.Wait()

	if fail != nil {
		t.Fatal(fail)
	}
}
