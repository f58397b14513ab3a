//go:build !remote_engine

package repo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// s3API is one configured S3 client that counts the requests it sends.
type s3API struct {
	loc      s3Location
	creds    resolvedCredentials
	http     *countingClient
	region   string
	client   *s3.Client
	location string
}

type countingClient struct {
	inner aws.HTTPClient
	n     atomic.Int32
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.inner.Do(r)
}

// tlsConfig trusts exactly what kopia's S3 storage trusts, so a check that
// passes means kopia will connect too.
func tlsConfig(loc s3Location) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}

	if loc.DisableTLSVerification {
		cfg.InsecureSkipVerify = true //nolint:gosec // testing-only option chosen by the user
		return cfg, nil
	}

	if loc.CAFile != "" {
		pem, err := readCAFile(loc.CAFile)
		if err != nil {
			return nil, err
		}

		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			e := newError(CodeInvalidField, nil, "%s holds no PEM certificate. Choose the CA certificate file (PEM, \"-----BEGIN CERTIFICATE-----\").", loc.CAFile)
			e.Field = FieldCAFile

			return nil, e
		}

		cfg.RootCAs = pool
	}

	return cfg, nil
}

func newS3API(loc s3Location, creds resolvedCredentials) (*s3API, error) {
	tc, err := tlsConfig(loc)
	if err != nil {
		return nil, err
	}

	httpClient := awshttp.NewBuildableClient().
		WithTimeout(storeAnswerTimeout).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSClientConfig = tc
			t.TLSHandshakeTimeout = 10 * time.Second
		})

	api := &s3API{
		loc:      loc,
		creds:    creds,
		http:     &countingClient{inner: httpClient},
		location: loc.Describe(),
	}
	api.setRegion(loc.Region)

	return api, nil
}

func (a *s3API) setRegion(region string) {
	if region == "" {
		region = "us-east-1"
	}

	a.region = region
	a.client = s3.New(s3.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken),
		HTTPClient:       a.http,
		RetryMaxAttempts: 2,
	}, func(o *s3.Options) {
		if a.loc.Endpoint != DefaultS3Endpoint {
			o.BaseEndpoint = aws.String(a.loc.scheme() + "://" + a.loc.Endpoint)
			o.UsePathStyle = true
		}
	})
}

func (a *s3API) key(name string) string { return a.loc.Prefix + name }

// fail turns an S3 error of one action into a typed error.
func (a *s3API) fail(ctx context.Context, err error, action string) error {
	if ctx.Err() != nil {
		return canceledError(ctx.Err())
	}

	if te := classifyTransport(err, a.location); te != nil {
		return te
	}

	code, status := s3ErrorCode(err)
	if e := classifyS3Code(err, code, status, action, a.location); e != nil {
		return e
	}

	return classify(ctx, err, a.location)
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}

	return 0
}

func checkS3(ctx context.Context, loc s3Location, secrets S3Secrets, mode CheckMode) (*Report, *s3API) {
	rep := &Report{}

	creds, err := resolveCredentials(ctx, loc.Credentials, secrets)
	if err != nil {
		rep.fail(LineCredentials, err)
		return rep, nil
	}

	rep.CredentialsFrom = creds.From
	rep.add(LineCredentials, StatusOK, "Using "+creds.From+".")

	api, err := newS3API(loc, creds)
	if err != nil {
		rep.fail(LineEndpoint, err)
		return rep, nil
	}

	defer func() { rep.Requests = int(api.http.n.Load()) }()

	api.run(ctx, rep, mode)

	return rep, api
}

// run performs the checks in order. A problem that makes the rest
// meaningless (no bucket, bad keys, no network, Cancel) stops them; a
// refused action does not, so that every refused action is named at once.
func (a *s3API) run(ctx context.Context, rep *Report, mode CheckMode) {
	steps := []func(context.Context, *Report) bool{a.checkBucket, a.checkRegion}
	steps = append(steps, func(ctx context.Context, rep *Report) bool { return a.checkList(ctx, rep, mode) })

	if mode == CheckWrite {
		steps = append(steps, func(ctx context.Context, rep *Report) bool { a.checkWrite(ctx, rep); return true })
	}

	for _, step := range steps {
		if !step(ctx, rep) && !a.onlyDenied(rep) {
			return
		}
	}
}

// onlyDenied says whether the one problem so far is refused actions, after
// which the other checks still tell something.
func (a *s3API) onlyDenied(rep *Report) bool {
	return rep.Err != nil && CodeOf(rep.Err) == CodeAccessDenied
}

// failLine records err on line, blaming what is really at fault: a
// cancelled check is a cancellation, not a failed line; keys the server
// refuses fail the Credentials line, whichever request found out; each
// refused action joins the one access-denied error that names them all.
func (a *s3API) failLine(ctx context.Context, rep *Report, line string, err error) {
	switch {
	case ctx.Err() != nil:
		rep.add(line, StatusSkipped, "Cancelled.")

		if rep.Err == nil || CodeOf(rep.Err) != CodeCanceled {
			rep.Err = canceledError(ctx.Err())
		}
	case CodeOf(err) == CodeBadCredentials:
		for i, l := range rep.Lines {
			if l.Name == LineCredentials {
				rep.Lines[i] = CheckLine{Name: LineCredentials, Status: StatusFailed, Message: err.Error()}
			}
		}

		rep.add(line, StatusSkipped, "Not tried: the server refused the credentials.")
		rep.Err = err
	case CodeOf(err) == CodeAccessDenied:
		rep.add(line, StatusFailed, err.Error())
		rep.PolicyJSON = PolicyJSON(a.loc.Bucket)
		rep.Err = joinDenied(rep.Err, err, a.location)
	default:
		rep.fail(line, err)
	}
}

// joinDenied adds one refused action to the access-denied error so far.
func joinDenied(prev, next error, location string) error {
	var p, n *Error
	if !errors.As(next, &n) {
		return next
	}

	actions := []string{}
	if errors.As(prev, &p) && p.Code == CodeAccessDenied {
		actions = append(actions, p.Actions...)
	}

	for _, act := range n.Actions {
		if !contains(actions, act) {
			actions = append(actions, act)
		}
	}

	if len(actions) <= 1 {
		return next
	}

	e := newError(CodeAccessDenied, n.cause, "The credentials are not allowed %s on %s. Add them to their IAM policy; the full policy Corso needs can be copied from the check results.", joinWords(actions), location)
	e.Action, e.Actions = actions[0], actions

	return e
}

func joinWords(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}

	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

func (a *s3API) checkBucket(ctx context.Context, rep *Report) bool {
	_, err := a.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(a.loc.Bucket)})
	if err == nil {
		rep.add(LineEndpoint, StatusOK, a.endpointOK())
		rep.add(LineBucket, StatusOK, "Bucket "+a.loc.Bucket+" exists.")

		return true
	}

	if te := classifyTransport(err, a.location); te != nil || ctx.Err() != nil {
		a.failLine(ctx, rep, LineEndpoint, a.fail(ctx, err, ""))
		return false
	}

	rep.add(LineEndpoint, StatusOK, a.endpointOK())

	switch httpStatus(err) {
	case http.StatusNotFound:
		rep.fail(LineBucket, bucketMissing(a.location))
		return false
	case http.StatusMovedPermanently, http.StatusBadRequest:
		// a region mismatch; GetBucketLocation names the bucket's region.
		rep.add(LineBucket, StatusOK, "Bucket "+a.loc.Bucket+" exists.")
	case http.StatusForbidden:
		// HEAD has no body, so 403 may be bad keys or a missing
		// s3:ListBucket; GetBucketLocation's answer tells which.
		rep.add(LineBucket, StatusSkipped, "Not known yet: the server refused to say (see below).")
	default:
		a.failLine(ctx, rep, LineBucket, a.fail(ctx, err, ActionListBucket))
		return false
	}

	return true
}

func (a *s3API) endpointOK() string {
	switch {
	case a.loc.DisableTLS:
		return a.loc.Endpoint + " answers over plain HTTP (TLS disabled: for testing only)."
	case a.loc.DisableTLSVerification:
		return a.loc.Endpoint + " answers over TLS, but its certificate is not verified (for testing only)."
	case a.loc.CAFile != "":
		return a.loc.Endpoint + " answers over TLS with a certificate signed by the chosen CA."
	}

	return a.loc.Endpoint + " answers over TLS with a trusted certificate."
}

func (a *s3API) checkRegion(ctx context.Context, rep *Report) bool {
	configured := a.loc.Region

	// The location is asked in us-east-1, which every S3 service accepts for
	// this call; the answer then decides the region for everything else.
	a.setRegion("")

	out, err := a.client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(a.loc.Bucket)})
	if err != nil {
		e := a.fail(ctx, err, ActionGetBucketLocation)
		a.failLine(ctx, rep, LineRegion, e)
		a.fixBucketLine(rep, e)

		// Without the bucket's region the other checks still run in the
		// one set here (or us-east-1), to name every refused action.
		a.setRegion(configured)

		return false
	}

	region := string(out.LocationConstraint)

	switch region {
	case "":
		region = "us-east-1"
	case "EU":
		region = "eu-west-1"
	}

	rep.Region = region

	if configured != "" && configured != region {
		e := newError(CodeRegionMismatch, nil, "The region is set to %s, but bucket %s is in %s. Change the region to %s, or clear it to use the bucket's own region.", configured, a.loc.Bucket, region, region)
		e.Regions = [2]string{configured, region}
		e.Field = FieldRegion
		rep.fail(LineRegion, e)

		return false
	}

	rep.add(LineRegion, StatusOK, "The bucket is in "+region+".")
	a.setRegion(region)

	return true
}

// fixBucketLine settles a bucket line left open by a HEAD 403 once
// GetBucketLocation has said more.
func (a *s3API) fixBucketLine(rep *Report, e error) {
	for i, l := range rep.Lines {
		if l.Name == LineBucket && l.Status == StatusSkipped {
			switch CodeOf(e) {
			case CodeBucketMissing:
				rep.Lines[i] = CheckLine{Name: LineBucket, Status: StatusFailed, Message: e.Error()}
			default:
				rep.Lines[i].Message = "Not known: the server refused to say."
			}
		}
	}
}

func (a *s3API) checkList(ctx context.Context, rep *Report, mode CheckMode) bool {
	// A HEAD refused earlier with GetBucketLocation allowed means
	// s3:ListBucket is the action missing; ListObjectsV2 confirms it.
	names, truncated, err := a.list(ctx, a.loc.Prefix, 100, rep)
	if err != nil {
		e := a.fail(ctx, err, ActionListBucket)
		a.failLine(ctx, rep, LineList, e)
		a.fixBucketLine(rep, e)

		return false
	}

	for i, l := range rep.Lines {
		if l.Name == LineBucket && l.Status == StatusSkipped {
			rep.Lines[i] = CheckLine{Name: LineBucket, Status: StatusOK, Message: "Bucket " + a.loc.Bucket + " exists."}
		}
	}

	if truncated {
		// A busy repository lists many packs before kopia.repository's
		// neighbours and its index blobs (x…, last in order): look for both.
		for _, p := range []string{"kopia.", "x"} {
			more, _, err := a.list(ctx, a.loc.Prefix+p, 10, rep)
			if err != nil {
				a.failLine(ctx, rep, LineList, a.fail(ctx, err, ActionListBucket))
				return false
			}

			names = append(names, more...)
		}
	}

	rep.State, rep.HalfMade = classifyNames(topLevel(names))

	if overlap, err := a.overlap(ctx, names, mode); err != nil {
		rep.fail(LineList, err)
		return false
	} else if overlap != "" {
		e := newError(CodePrefixOverlap, nil, "%s Repositories in one bucket need prefixes where neither is inside the other: choose a different prefix.", overlap)
		e.Field = FieldPrefix
		rep.fail(LineList, e)
		rep.State = StateNotEmpty

		return false
	}

	st := StatusOK
	if rep.State == StateNotEmpty || rep.State == StateHalfMade {
		st = StatusWarning
	}

	rep.add(LineList, st, describeState(rep.State, rep.HalfMade))

	return true
}

func contains(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}

	return false
}

// topLevel keeps names directly under the prefix; a name with a "/" is
// inside a deeper "folder" and counts as other data.
func topLevel(names []string) []string {
	out := make([]string, 0, len(names))

	for _, n := range names {
		if i := strings.IndexByte(n, '/'); i >= 0 {
			out = append(out, n[:i+1])
		} else {
			out = append(out, n)
		}
	}

	return out
}

// list returns object names under prefix, relative to the location's prefix.
// It notes when kopia.blobcfg was written, which dates the repository.
func (a *s3API) list(ctx context.Context, prefix string, limit int32, rep *Report) ([]string, bool, error) {
	out, err := a.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(a.loc.Bucket),
		Prefix:  aws.String(prefix),
		MaxKeys: aws.Int32(limit),
	})
	if err != nil {
		return nil, false, err
	}

	names := make([]string, 0, len(out.Contents))
	for _, o := range out.Contents {
		name := strings.TrimPrefix(aws.ToString(o.Key), a.loc.Prefix)
		names = append(names, name)

		if name == blobCfgBlobName && o.LastModified != nil {
			rep.Created = *o.LastModified
		}
	}

	return names, aws.ToBool(out.IsTruncated), nil
}

// overlap finds another repository whose prefix contains this one or sits
// inside it, at any depth. kopia lists everything under its prefix, so a
// repository nested in another one would look like stray blobs to the
// outer one (whose maintenance could delete them). Outer repositories only
// matter for creating one, so a read check skips those requests.
func (a *s3API) overlap(ctx context.Context, names []string, mode CheckMode) (string, error) {
	if inner, err := a.innerRepository(ctx, names); err != nil || inner != "" {
		return inner, err
	}

	if a.loc.Prefix == "" || mode == CheckRead {
		return "", nil
	}

	// Every prefix above this one, from the bucket's root down, asked at
	// once: one round trip whatever the depth.
	parts := strings.Split(strings.TrimSuffix(a.loc.Prefix, "/"), "/")
	found := make([]bool, len(parts))
	errs := make([]error, len(parts))

	var wg sync.WaitGroup

	for i := range parts {
		wg.Add(1)

		go func() {
			defer wg.Done()

			outer := strings.Join(parts[:i], "/")
			if outer != "" {
				outer += "/"
			}

			out, err := a.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket:  aws.String(a.loc.Bucket),
				Prefix:  aws.String(outer + formatBlobName),
				MaxKeys: aws.Int32(1),
			})
			if err != nil {
				errs[i] = a.fail(ctx, err, ActionListBucket)
				return
			}

			for _, o := range out.Contents {
				found[i] = found[i] || aws.ToString(o.Key) == outer+formatBlobName
			}
		}()
	}

	wg.Wait()

	for i := range parts {
		if errs[i] != nil {
			return "", errs[i]
		}

		if found[i] {
			if i == 0 {
				return "A repository is at the root of this bucket, and this prefix is inside it.", nil
			}

			return fmt.Sprintf("A repository is at prefix %q, and this prefix is inside it.", strings.Join(parts[:i], "/")+"/"), nil
		}
	}

	return "", nil
}

// maxInnerPages bounds the search for a repository nested below this
// prefix: it only runs when something is nested there at all.
const maxInnerPages = 50

// innerRepository looks for a kopia.repository at any depth below the
// prefix. kopia itself writes no nested names, so the search runs only
// when the first listing showed some.
func (a *s3API) innerRepository(ctx context.Context, names []string) (string, error) {
	nested := false

	for _, n := range names {
		if strings.HasSuffix(n, "/"+formatBlobName) {
			return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.loc.Prefix+strings.TrimSuffix(n, formatBlobName)), nil
		}

		nested = nested || strings.Contains(n, "/")
	}

	if !nested {
		return "", nil
	}

	var token *string

	for page := 0; page < maxInnerPages; page++ {
		out, err := a.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket:            aws.String(a.loc.Bucket),
			Prefix:            aws.String(a.loc.Prefix),
			ContinuationToken: token,
		})
		if err != nil {
			return "", a.fail(ctx, err, ActionListBucket)
		}

		for _, o := range out.Contents {
			if rel := strings.TrimPrefix(aws.ToString(o.Key), a.loc.Prefix); strings.HasSuffix(rel, "/"+formatBlobName) {
				return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.loc.Prefix+strings.TrimSuffix(rel, formatBlobName)), nil
			}
		}

		if !aws.ToBool(out.IsTruncated) {
			break
		}

		token = out.NextContinuationToken
	}

	return "", nil
}

// probeName is an object name kopia would never use, so a probe left by a
// crash is recognisable and never mistaken for repository data.
func probeName() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck

	return ".corso-desktop-probe-" + hex.EncodeToString(b)
}

// checkWrite proves s3:DeleteObject, s3:PutObject and s3:GetObject with one
// small probe object that is always removed, even on cancel. Reading is
// tried even when writing was refused, so both refusals are named.
func (a *s3API) checkWrite(ctx context.Context, rep *Report) {
	key := a.key(probeName())
	bucket := aws.String(a.loc.Bucket)
	denied := 0

	refused := func(action string, err error) bool {
		e := a.fail(ctx, err, action)
		a.failLine(ctx, rep, LineWrite, e)

		if CodeOf(e) != CodeAccessDenied {
			return false
		}

		denied++

		return true
	}

	// Deleting a key that does not exist yet proves s3:DeleteObject without
	// risk: if it is denied, nothing is written, as it could not be removed.
	if _, err := a.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key)}); err != nil {
		if refused(ActionDeleteObject, err) {
			rep.add(LineWrite, StatusSkipped, "Writing was not tried: a test object could not be deleted again.")
		}

		return
	}

	payload := []byte("corso-desktop write check; safe to delete\n")

	_, err := a.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))),
	})
	if err != nil {
		refused(ActionPutObject, err)
		a.removeProbe(key)

		return
	}

	defer a.removeProbe(key)

	// A second write that must not replace the first tells whether the
	// store honours If-None-Match, which creating a repository relies on.
	_, err = a.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))), IfNoneMatch: aws.String("*"),
	})
	rep.ConditionalWrites = conditionFailed(err)

	out, err := a.client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
	if err != nil {
		refused(ActionGetObject, err)
		return
	}

	got, err := io.ReadAll(out.Body)
	out.Body.Close() //nolint:errcheck

	if err != nil || !bytes.Equal(got, payload) {
		rep.fail(LineWrite, newError(CodeUnknown, err, "An object written to %s came back different. The store may be misbehaving; contact its operator.", a.location))
		return
	}

	if denied == 0 {
		rep.add(LineWrite, StatusOK, "A test object was written, read back and deleted.")
	}
}

// removeProbe deletes the probe on a fresh context so a cancelled check
// still cleans up after itself.
func (a *s3API) removeProbe(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	a.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.loc.Bucket), Key: aws.String(key)}) //nolint:errcheck
}
