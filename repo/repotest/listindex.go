package repotest

// A store that lists from an index, as Amazon S3 does: the latency proxy's
// model of a listing's cost where MinIO cannot give it. MinIO reads every
// name's metadata from its disk to list it (on this 2-core machine about
// 35 µs of CPU a name, whatever the client does); S3 answers a page from
// its index in a time that depends on the page, not on the bucket.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// listIndex answers ListObjectsV2 requests from the names MinIO holds,
// read once per bucket through MinIO's own client and again after any
// write through the proxy, so that its answers are MinIO's. A page is
// written once and kept until then: the store's work is its own (a real
// store's is done on its servers, not on the cores of the computer that
// lists), and on this machine's two cores writing the same XML again for
// every run took CPU from the client being measured.
type listIndex struct {
	client *minio.Client

	mu      sync.Mutex
	buckets map[string]*indexedBucket
}

// indexedBucket is what the index holds of a bucket between writes.
type indexedBucket struct {
	objects []minio.ObjectInfo // sorted by key
	pages   map[string][]byte  // by query
}

func newListIndex(client *minio.Client) *listIndex {
	return &listIndex{client: client, buckets: map[string]*indexedBucket{}}
}

// answersListing says whether the index answers r: a version 2 listing of a
// bucket with no options beyond S3's own.
func answersListing(r *http.Request) (bucket string, ok bool) {
	q := r.URL.Query()
	bucket = strings.Trim(r.URL.Path, "/")

	if r.Method != http.MethodGet || bucket == "" || strings.Contains(bucket, "/") || q.Get("list-type") != "2" {
		return "", false
	}

	for k := range q {
		switch k {
		case "list-type", "prefix", "delimiter", "max-keys", "start-after", "continuation-token", "encoding-type", "fetch-owner":
		default:
			return "", false // versions, MinIO's metadata extension, …: MinIO answers
		}
	}

	return bucket, true
}

// forget drops what the index holds for the bucket r writes to.
func (x *listIndex) forget(r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return
	}

	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")

	x.mu.Lock()
	delete(x.buckets, bucket)
	x.mu.Unlock()
}

// indexed is what the index holds of the bucket, read now if it holds
// nothing.
func (x *listIndex) indexed(ctx context.Context, bucket string) (*indexedBucket, error) {
	x.mu.Lock()
	defer x.mu.Unlock()

	if b, ok := x.buckets[bucket]; ok {
		return b, nil
	}

	var objs []minio.ObjectInfo

	for o := range x.client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}

		objs = append(objs, o)
	}

	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	b := &indexedBucket{objects: objs, pages: map[string][]byte{}}
	x.buckets[bucket] = b

	return b, nil
}

type listedEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	StorageClass string
}

type listedPrefix struct {
	Prefix string
}

type listResult struct {
	XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string
	Prefix                string
	StartAfter            string `xml:",omitempty"`
	ContinuationToken     string `xml:",omitempty"`
	NextContinuationToken string `xml:",omitempty"`
	KeyCount              int
	MaxKeys               int
	Delimiter             string `xml:",omitempty"`
	EncodingType          string `xml:",omitempty"`
	IsTruncated           bool
	Contents              []listedEntry
	CommonPrefixes        []listedPrefix
}

// serve answers the listing r of bucket, from the page written for the
// same query when the bucket has not changed since.
func (x *listIndex) serve(w http.ResponseWriter, r *http.Request, bucket string) {
	b, err := x.indexed(r.Context(), bucket)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}

	x.mu.Lock()
	page, ok := b.pages[r.URL.RawQuery]
	x.mu.Unlock()

	if !ok {
		var status int
		if page, status = answerListing(r, bucket, b.objects); status != http.StatusOK {
			http.Error(w, string(page), status)
			return
		}

		x.mu.Lock()
		b.pages[r.URL.RawQuery] = page // dropped with b at the next write
		x.mu.Unlock()
	}

	w.Header().Set("Content-Type", "application/xml")
	w.Write(page) //nolint:errcheck
}

// answerListing writes the answer to the listing r of bucket from objs,
// or a refusal and its status.
func answerListing(r *http.Request, bucket string, objs []minio.ObjectInfo) ([]byte, int) {
	q := r.URL.Query()
	res := listResult{
		Name: bucket, Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: 1000,
		StartAfter: q.Get("start-after"), ContinuationToken: q.Get("continuation-token"),
	}

	if n, err := strconv.Atoi(q.Get("max-keys")); err == nil && n >= 0 && n < 1000 {
		res.MaxKeys = n
	}

	// Names after from; past, when set, skips a common prefix already given.
	from, past := res.StartAfter, ""
	if res.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(res.ContinuationToken)
		if err != nil {
			return []byte("bad continuation token"), http.StatusBadRequest
		}

		kind, name, _ := strings.Cut(string(raw), ":")
		if from = name; kind == "p" {
			past = name
		}
	}

	// The first name after from that can be under the prefix.
	i := sort.Search(len(objs), func(i int) bool { return objs[i].Key > from && objs[i].Key >= res.Prefix })
	last := ""

	for ; i < len(objs); i++ {
		key := objs[i].Key
		if !strings.HasPrefix(key, res.Prefix) {
			if key > res.Prefix {
				break // past every name under the prefix
			}

			continue
		}

		if past != "" && strings.HasPrefix(key, past) {
			continue // under a common prefix already given
		}

		if res.KeyCount == res.MaxKeys {
			res.IsTruncated = true
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))

			break
		}

		if d := res.Delimiter; d != "" {
			if at := strings.Index(key[len(res.Prefix):], d); at >= 0 {
				cp := key[:len(res.Prefix)+at+len(d)]
				res.CommonPrefixes = append(res.CommonPrefixes, listedPrefix{Prefix: cp})
				res.KeyCount++
				past, last = cp, "p:"+cp

				continue
			}
		}

		o := objs[i]
		res.Contents = append(res.Contents, listedEntry{
			Key: key, LastModified: o.LastModified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD",
		})
		res.KeyCount++
		last = "k:" + key
	}

	if q.Get("encoding-type") == "url" {
		res.EncodingType = "url"
		res.encodeNames()
	}

	var page bytes.Buffer
	page.WriteString(xml.Header)
	xml.NewEncoder(&page).Encode(res) //nolint:errcheck // into memory

	return page.Bytes(), http.StatusOK
}

// encodeNames URL-encodes the names, as S3 does when asked.
func (res *listResult) encodeNames() {
	res.Prefix, res.StartAfter, res.Delimiter = url.QueryEscape(res.Prefix), url.QueryEscape(res.StartAfter), url.QueryEscape(res.Delimiter)

	for i := range res.Contents {
		res.Contents[i].Key = url.QueryEscape(res.Contents[i].Key)
	}

	for i := range res.CommonPrefixes {
		res.CommonPrefixes[i].Prefix = url.QueryEscape(res.CommonPrefixes[i].Prefix)
	}
}
