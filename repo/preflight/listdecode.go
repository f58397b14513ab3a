// A listing page decoded fast: the AWS SDK decodes a page of 1,000 names
// token by token through encoding/xml, about 12 µs a name, which was most
// of a large repository's summary across a network (docs/benchmarks.md,
// issue 26). A page of the usual shape is read here in one pass; anything
// else, or anything this reader is not sure of, goes to the SDK's own
// decoder unchanged (FuzzListPageDecodesAsTheSDK holds the two equal).

package preflight

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithytime "github.com/aws/smithy-go/time"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// maxListPage bounds the body read into memory: a page of 1,000 names of
// kopia's is about 300 KB; S3's longest keys (1,024 bytes) make 1.5 MB.
const maxListPage = 8 << 20

// pagesDecoded counts the listing pages decoded here and by the SDK.
type pagesDecoded struct{ here, bySDK atomic.Int64 }

// PagesDecoded is how many of ListAll's pages were decoded here, and how
// many by the SDK's decoder.
func (a *S3API) PagesDecoded() (here, bySDK int64) {
	return a.pages.here.Load(), a.pages.bySDK.Load()
}

// fastListing is the option that decodes a ListObjectsV2 answer here when
// it can. Only Contents (Key, Size, LastModified), IsTruncated and
// NextContinuationToken are filled when it does: what ListAll reads.
func (a *S3API) fastListing(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		sdk, ok := stack.Deserialize.Get("OperationDeserializer")
		if !ok {
			return nil // no SDK decoder to stand in for: the stack stays as it is
		}

		_, err := stack.Deserialize.Swap("OperationDeserializer", &listDecoder{sdk: sdk, count: &a.pages})

		return err
	})
}

// listDecoder decodes a successful page itself, and hands every other
// answer to the SDK's decoder as it came.
type listDecoder struct {
	sdk   middleware.DeserializeMiddleware
	count *pagesDecoded
}

func (*listDecoder) ID() string { return "OperationDeserializer" }

func (d *listDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)

	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode != 200 || resp.ContentLength > maxListPage {
		d.count.bySDK.Add(1)
		return d.sdk.HandleDeserialize(ctx, in, answered{out, md, err})
	}

	// Sized for the page when the store says its length (bytes.MinRead
	// spare, so that reading its end needs no larger buffer).
	buf := bytes.NewBuffer(make([]byte, 0, max(resp.ContentLength, 0)+bytes.MinRead))
	_, readErr := buf.ReadFrom(io.LimitReader(resp.Body, maxListPage+1))
	body := buf.Bytes()

	if readErr == nil && len(body) <= maxListPage {
		resp.Body.Close() //nolint:errcheck,gosec // read to its end

		if page, ok := decodeListPage(body); ok {
			d.count.here.Add(1)
			out.Result = page

			return out, md, nil
		}

		resp.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		// Longer than a page can be, or cut off: the SDK reads what
		// came, then the rest or the same failure, and closes it.
		rest := io.Reader(resp.Body)
		if readErr != nil {
			rest = errReader{readErr}
		}

		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), rest), resp.Body}
	}

	// Not a page this reader knows: the SDK reads the same bytes.
	d.count.bySDK.Add(1)

	return d.sdk.HandleDeserialize(ctx, in, answered{out, md, nil})
}

// readCloser reads from one and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// answered is the rest of the stack for the SDK's decoder: the answer
// already received.
type answered struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (a answered) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return a.out, a.md, a.err
}

// errReader fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decodeListPage reads a ListBucketResult of the shape S3 and MinIO send:
// an XML declaration, the root with at most its namespace, elements with
// no attributes holding text or other elements. ok is false for anything
// else, and then nothing is decided here.
func decodeListPage(body []byte) (out *s3.ListObjectsV2Output, ok bool) {
	s := &scanner{b: body}
	if !s.prolog() || !s.rootStart() {
		return nil, false
	}

	// The objects' values in three arrays, not three allocations each.
	n := bytes.Count(body, []byte("<Contents>"))
	s.objects = objectValues{keys: make([]string, 0, n), sizes: make([]int64, 0, n), times: make([]time.Time, 0, n)}
	out = &s3.ListObjectsV2Output{Contents: make([]types.Object, 0, n)}

	var seenTruncated, seenNext bool

	for {
		name, end, ok := s.tag()
		if !ok {
			return nil, false
		}

		if end {
			if string(name) != "ListBucketResult" || !s.onlySpace() {
				return nil, false
			}

			return out, true
		}

		switch string(name) {
		case "Contents":
			o, ok := s.object()
			if !ok {
				return nil, false
			}

			out.Contents = append(out.Contents, o)
		case "IsTruncated":
			v, ok := s.rawText(name)
			if !ok || seenTruncated || (string(v) != "true" && string(v) != "false") {
				return nil, false
			}

			seenTruncated = true
			out.IsTruncated = aws.Bool(string(v) == "true")
		case "NextContinuationToken":
			v, ok := s.text(name)
			if !ok || seenNext {
				return nil, false
			}

			seenNext = true
			out.NextContinuationToken = aws.String(v)
		case "KeyCount", "MaxKeys":
			if v, ok := s.rawText(name); !ok || !isDecimal(v) {
				return nil, false
			}
		case "ContinuationToken", "Delimiter", "Name", "Prefix", "StartAfter":
			if !s.skipText(name) {
				return nil, false
			}
		default:
			// CommonPrefixes and EncodingType are not asked for; any
			// other name the SDK knows, in another case, is the SDK's.
			if knownAs(name, pageNames) || !s.skip(name, 0) {
				return nil, false
			}
		}
	}
}

// The names the SDK reads in a page and in each of its objects, in any
// case (strings.EqualFold).
var (
	pageNames   = []string{"CommonPrefixes", "Contents", "ContinuationToken", "Delimiter", "EncodingType", "IsTruncated", "KeyCount", "MaxKeys", "Name", "NextContinuationToken", "Prefix", "StartAfter"}
	objectNames = []string{"ChecksumAlgorithm", "ChecksumType", "ETag", "Key", "LastModified", "Owner", "RestoreStatus", "Size", "StorageClass"}
)

func knownAs(name []byte, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(string(name), n) {
			return true
		}
	}

	return false
}

// objectValues hold what a page's objects point to.
type objectValues struct {
	keys  []string
	sizes []int64
	times []time.Time
}

// object reads one Contents element after its start tag.
func (s *scanner) object() (types.Object, bool) {
	var (
		o                       types.Object
		key                     string
		size, modified          []byte
		hasKey, hasSize, hasMod bool
	)

	for {
		name, end, ok := s.tag()
		if !ok {
			return o, false
		}

		if end {
			if string(name) != "Contents" || !hasKey || !hasSize || !hasMod {
				return o, false
			}

			break
		}

		var seen *bool

		switch string(name) {
		case "Key":
			key, ok = s.text(name)
			seen = &hasKey
		case "Size":
			size, ok = s.rawText(name)
			seen = &hasSize
		case "LastModified":
			modified, ok = s.rawText(name)
			seen = &hasMod
		case "ChecksumAlgorithm", "ChecksumType", "ETag", "StorageClass":
			ok = s.skipText(name)
		case "Owner":
			ok = s.textsOnly(name)
		default:
			// RestoreStatus is not asked for; any other name
			// the SDK knows, in another case, is the SDK's.
			ok = !knownAs(name, objectNames) && s.skip(name, 0)
		}

		if !ok || (seen != nil && *seen) {
			return o, false
		}

		if seen != nil {
			*seen = true
		}
	}

	n, ok := decimal(size)
	if !ok || !validText(modified) || bytes.IndexByte(modified, '&') >= 0 {
		return o, false
	}

	t, err := smithytime.ParseDateTime(string(modified))
	if err != nil {
		return o, false
	}

	v := &s.objects
	if len(v.keys) == cap(v.keys) {
		return o, false // more objects than "<Contents>" in the page: not this shape
	}

	v.keys, v.sizes, v.times = append(v.keys, key), append(v.sizes, n), append(v.times, t)
	i := len(v.keys) - 1
	o.Key, o.Size, o.LastModified = &v.keys[i], &v.sizes[i], &v.times[i]

	return o, true
}

// decimal is b as a number of plain digits, no sign, that fits.
func decimal(b []byte) (int64, bool) {
	if !isDecimal(b) {
		return 0, false
	}

	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}

	return n, true
}

func isDecimal(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}

	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}

	return true
}
