package preflight

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// pageServer answers every request with the body and status last set,
// in memory: the SDK's own decoder reads it as it reads a store's answer,
// and fuzzing runs thousands of them a second.
type pageServer struct {
	body   atomic.Pointer[[]byte]
	status atomic.Int32
	// cut makes the body fail after its bytes, as a connection lost.
	cut atomic.Bool
	// unsized sends no length, as a chunked answer.
	unsized atomic.Bool
	sdk     *s3.Client
	api     *S3API
}

func (p *pageServer) Do(r *http.Request) (*http.Response, error) {
	body := *p.body.Load()

	var content io.Reader = bytes.NewReader(body)
	if p.cut.Load() {
		content = io.MultiReader(content, errReader{io.ErrUnexpectedEOF})
	}

	return &http.Response{
		StatusCode:    int(p.status.Load()),
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(content),
		ContentLength: map[bool]int64{false: int64(len(body)), true: -1}[p.unsized.Load()],
		Request:       r,
	}, nil
}

func newPageServer(testing.TB) *pageServer {
	p := &pageServer{}
	p.sdk = s3.New(s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint:     aws.String("http://127.0.0.1:9"),
		UsePathStyle:     true,
		RetryMaxAttempts: 1,
		HTTPClient:       p,
	})
	p.api = &S3API{Client: p.sdk}

	return p
}

// list sends a listing answered with body and status, decoded by the SDK
// alone and through fastListing.
func (p *pageServer) list(body []byte, status int) (sdk, fast *s3.ListObjectsV2Output, sdkErr, fastErr error) {
	p.body.Store(&body)
	p.status.Store(int32(status))

	in := &s3.ListObjectsV2Input{Bucket: aws.String("b")}
	sdk, sdkErr = p.sdk.ListObjectsV2(context.Background(), in)
	fast, fastErr = p.sdk.ListObjectsV2(context.Background(), in, p.api.fastListing)

	return sdk, fast, sdkErr, fastErr
}

// samePage says how two decoded pages differ in what ListAll reads ("": not).
func samePage(a, b *s3.ListObjectsV2Output) string {
	if len(a.Contents) != len(b.Contents) {
		return fmt.Sprintf("%d objects against %d", len(a.Contents), len(b.Contents))
	}

	for i, o := range a.Contents {
		w := b.Contents[i]
		if aws.ToString(o.Key) != aws.ToString(w.Key) || aws.ToInt64(o.Size) != aws.ToInt64(w.Size) || !aws.ToTime(o.LastModified).Equal(aws.ToTime(w.LastModified)) {
			return fmt.Sprintf("object %d: %q %d %v against %q %d %v", i, aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToTime(o.LastModified), aws.ToString(w.Key), aws.ToInt64(w.Size), aws.ToTime(w.LastModified))
		}
	}

	if (a.IsTruncated == nil) != (b.IsTruncated == nil) || aws.ToBool(a.IsTruncated) != aws.ToBool(b.IsTruncated) {
		return fmt.Sprintf("truncated %v against %v", a.IsTruncated, b.IsTruncated)
	}

	if (a.NextContinuationToken == nil) != (b.NextContinuationToken == nil) || aws.ToString(a.NextContinuationToken) != aws.ToString(b.NextContinuationToken) {
		return fmt.Sprintf("next %v against %v", a.NextContinuationToken, b.NextContinuationToken)
	}

	return ""
}

// Pages as S3 and MinIO write them (S3's from its documentation, with the
// checksum elements it has added since; MinIO's and the test proxy's from
// Go's encoding/xml).
var (
	s3Page = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>repo/p0</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken><NextContinuationToken>1w41l63U0xa8q7smH50vCxyTQqdxo69O3EmK28Bi5PcROI4wI/EyIJg==</NextContinuationToken><StartAfter>repo/p0</StartAfter>` +
		`<Contents><Key>repo/p0a1b2c3d4e5f60718293a4b5c6d7e8f9-s0123456789abcdef-c1</Key><LastModified>2026-12-05T10:11:12.000Z</LastModified><ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><Size>4194304</Size><StorageClass>STANDARD</StorageClass></Contents>` +
		`<Contents><Key>repo/p0 &amp; &lt;odd&gt; &#39;name&#39; &#x10FFFF; ü</Key><LastModified>2026-12-05T10:11:13.5Z</LastModified><ETag>&quot;x&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`
	minioPage = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><Delimiter></Delimiter><IsTruncated>false</IsTruncated><Contents><Key>kopia.repository</Key><LastModified>2026-12-05T10:11:12.123Z</LastModified><ETag>&#34;3b9c3eca37a0b3a4c4b5a0b3e0c5a8f1&#34;</ETag><Size>1101</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`
)

// TestListPagesOfS3AndMinIOAreDecodedHere: the pages the stores send are
// decoded here, as the SDK decodes them; a refusal, and pages of a shape
// this reader does not know, are the SDK's, with its answer or its error.
func TestListPagesOfS3AndMinIOAreDecodedHere(t *testing.T) {
	p := newPageServer(t)

	for name, body := range map[string]string{"S3": s3Page, "MinIO": minioPage} {
		if _, ok := decodeListPage([]byte(body)); !ok {
			t.Errorf("%s's page is not decoded here", name)
		}

		sdk, fast, sdkErr, fastErr := p.list([]byte(body), 200)
		if sdkErr != nil || fastErr != nil {
			t.Fatalf("%s: %v, %v", name, sdkErr, fastErr)
		}

		if d := samePage(fast, sdk); d != "" {
			t.Errorf("%s: %s", name, d)
		}
	}

	if got := aws.ToString((must(decodeListPage([]byte(s3Page)))).Contents[1].Key); got != "repo/p0 & <odd> 'name' \U0010FFFF ü" {
		t.Errorf("entities read as %q", got)
	}

	// Not decoded here, and the same as the SDK's answer.
	declined := map[string]string{
		"a delimiter's prefixes": strings.Replace(minioPage, "</ListBucketResult>", "<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes></ListBucketResult>", 1),
		"keys URL-encoded":       strings.Replace(minioPage, "<Delimiter>", "<EncodingType>url</EncodingType><Delimiter>", 1),
		"a comment":              strings.Replace(minioPage, "<Size>", "<!-- c --><Size>", 1),
		"an attribute":           strings.Replace(minioPage, "<Size>", `<Size a="1">`, 1),
		"a name in another case": strings.Replace(minioPage, "<Size>1101</Size>", "<Size>1101</Size><size>7</size>", 1),
		"a key twice":            strings.Replace(minioPage, "<Size>", "<Key>other</Key><Size>", 1),
		"a carriage return":      strings.Replace(minioPage, "kopia.repository", "kopia\r.repository", 1),
		"CDATA":                  strings.Replace(minioPage, "kopia.repository", "<![CDATA[kopia.repository]]>", 1),
		"no declaration":         strings.TrimPrefix(minioPage, `<?xml version="1.0" encoding="UTF-8"?>`),
		"an unknown entity":      strings.Replace(minioPage, "kopia.repository", "kopia&nbsp;repository", 1),
		"a signed size":          strings.Replace(minioPage, "<Size>1101", "<Size>+1101", 1),
	}

	for name, body := range declined {
		if _, ok := decodeListPage([]byte(body)); ok {
			t.Errorf("%s: decoded here", name)
		}

		sdk, fast, sdkErr, fastErr := p.list([]byte(body), 200)
		if (sdkErr == nil) != (fastErr == nil) {
			t.Fatalf("%s: the SDK says %v, through the fast decoder %v", name, sdkErr, fastErr)
		}

		if sdkErr == nil {
			if d := samePage(fast, sdk); d != "" {
				t.Errorf("%s: %s", name, d)
			}
		}
	}

	// Longer than a page can be, said or not: the SDK reads all of it.
	long := strings.Replace(minioPage, "<Contents>", strings.Repeat(minioPage[strings.Index(minioPage, "<Contents>"):strings.Index(minioPage, "</ListBucketResult>")], 30_000)+"<Contents>", 1)

	for _, unsized := range []bool{false, true} {
		p.unsized.Store(unsized)

		sdk, fast, sdkErr, fastErr := p.list([]byte(long), 200)
		if sdkErr != nil || fastErr != nil || len(fast.Contents) != 30_001 || samePage(fast, sdk) != "" {
			t.Errorf("a page of %d bytes (length unsaid: %v): %v, %v", len(long), unsized, sdkErr, fastErr)
		}
	}

	p.unsized.Store(false)

	// Cut off half-way: the SDK's failure.
	p.cut.Store(true)
	_, _, sdkErr, fastErr := p.list([]byte(minioPage[:len(minioPage)/2]), 200)
	p.cut.Store(false)

	if sdkErr == nil || fastErr == nil {
		t.Errorf("a page cut off: %v, %v", sdkErr, fastErr)
	}

	refusal := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`

	_, _, sdkErr, fastErr = p.list([]byte(refusal), 403)
	if code, _ := S3ErrorCode(fastErr); code != "AccessDenied" {
		t.Errorf("a refusal through the fast decoder: %v (the SDK alone: %v)", fastErr, sdkErr)
	}

	if here, bySDK := p.api.PagesDecoded(); here != 2 || bySDK != int64(len(declined)+4) {
		t.Errorf("%d pages decoded here, %d by the SDK; want 2 and %d", here, bySDK, len(declined)+4)
	}
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("not decoded")
	}

	return v
}

// FuzzListPageDecodesAsTheSDK: whatever a store sends, a page decoded
// here is the page the SDK decodes from the same bytes; and through
// fastListing the answer is the SDK's, decoded here or not.
func FuzzListPageDecodesAsTheSDK(f *testing.F) {
	for _, s := range []string{s3Page, minioPage, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>`,
		`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="x">
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>a&#x9;b</Key>
    <Size>12</Size>
    <LastModified>2026-01-02T03:04:05Z</LastModified>
    <Owner>
      <ID>i</ID>
    </Owner>
    <Extra><Deeper><Deepest>v</Deepest></Deeper></Extra>
  </Contents>
</ListBucketResult>
`} {
		f.Add([]byte(s))
	}

	p := newPageServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		page, ok := decodeListPage(body)

		sdk, fast, sdkErr, fastErr := p.list(body, 200)
		if ok {
			if sdkErr != nil {
				t.Fatalf("decoded here, but the SDK says %v", sdkErr)
			}

			if d := samePage(page, sdk); d != "" {
				t.Fatalf("decoded here differently: %s", d)
			}
		}

		if (sdkErr == nil) != (fastErr == nil) {
			t.Fatalf("the SDK says %v, through the fast decoder %v", sdkErr, fastErr)
		}

		if sdkErr == nil {
			if d := samePage(fast, sdk); d != "" {
				t.Fatalf("through the fast decoder: %s", d)
			}
		}
	})
}

// BenchmarkListPageDecoding: a page of 1,000 of kopia's pack names, as
// MinIO writes it, answered in memory and decoded here or by the SDK.
func BenchmarkListPageDecoding(b *testing.B) {
	var sb strings.Builder

	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>x/p0</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>token</NextContinuationToken>`)

	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, `<Contents><Key>x/p0%031x-s%016x-c1</Key><LastModified>2026-12-05T10:11:12.123Z</LastModified><ETag>&#34;%032x&#34;</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>`, i, i, i, 4<<20+i)
	}

	sb.WriteString(`</ListBucketResult>`)

	body := []byte(sb.String())
	p := newPageServer(b)

	p.body.Store(&body)
	p.status.Store(200)

	in := &s3.ListObjectsV2Input{Bucket: aws.String("b")}

	b.Run("decoder=here", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.sdk.ListObjectsV2(context.Background(), in, p.api.fastListing); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("decoder=sdk", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.sdk.ListObjectsV2(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
