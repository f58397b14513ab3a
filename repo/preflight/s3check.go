package preflight

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
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// AnswerTimeout is how long any one request waits for the store's answer:
// a store that accepts connections and never answers must not hold an
// operation for minutes.
const AnswerTimeout = 15 * time.Second

// S3API is one configured S3 client that counts the requests it sends.
type S3API struct {
	// Loc is the checked location, Location its description for sentences.
	Loc      repo.S3Location
	Location string
	// Creds are the resolved credentials, shared with the storage opened after the check.
	Creds  ResolvedCredentials
	Client *s3.Client
	http   *countingClient
	region string
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
func tlsConfig(loc repo.S3Location) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}

	if loc.DisableTLSVerification {
		cfg.InsecureSkipVerify = true //nolint:gosec // testing-only option chosen by the user
		return cfg, nil
	}

	if loc.CAFile != "" {
		pem, err := ReadCAFile(loc.CAFile)
		if err != nil {
			return nil, err
		}

		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			e := repo.NewError(repo.CodeInvalidField, nil, "%s holds no PEM certificate. Choose the CA certificate file (PEM, \"-----BEGIN CERTIFICATE-----\").", loc.CAFile)
			e.Field = repo.FieldCAFile

			return nil, e
		}

		cfg.RootCAs = pool
	}

	return cfg, nil
}

func newS3API(loc repo.S3Location, creds ResolvedCredentials) (*S3API, error) {
	tc, err := tlsConfig(loc)
	if err != nil {
		return nil, err
	}

	httpClient := awshttp.NewBuildableClient().
		WithTimeout(AnswerTimeout).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSClientConfig = tc
			t.TLSHandshakeTimeout = 10 * time.Second
		})

	api := &S3API{
		Loc:      loc,
		Creds:    creds,
		http:     &countingClient{inner: httpClient},
		Location: loc.Describe(),
	}
	api.setRegion(loc.Region)

	return api, nil
}

func (a *S3API) setRegion(region string) {
	if region == "" {
		region = "us-east-1"
	}

	a.region = region
	a.Client = s3.New(s3.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(a.Creds.AccessKeyID, a.Creds.SecretAccessKey, a.Creds.SessionToken),
		HTTPClient:       a.http,
		RetryMaxAttempts: 2,
	}, func(o *s3.Options) {
		if a.Loc.Endpoint != repo.DefaultS3Endpoint {
			o.BaseEndpoint = aws.String(a.Loc.Scheme() + "://" + a.Loc.Endpoint)
			o.UsePathStyle = true
		}
	})
}

func (a *S3API) Key(name string) string { return a.Loc.Prefix + name }

// fail turns an S3 error of one action into a typed error.
func (a *S3API) Fail(ctx context.Context, err error, action string) error {
	if ctx.Err() != nil {
		return repo.CanceledError(ctx.Err())
	}

	if te := classifyTransport(err, a.Location); te != nil {
		return te
	}

	code, status := S3ErrorCode(err)
	if e := classifyS3Code(err, code, status, action, a.Location); e != nil {
		return e
	}

	return Classify(ctx, err, a.Location)
}

func HTTPStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}

	return 0
}

func checkS3(ctx context.Context, loc repo.S3Location, keys *Keys, mode repo.CheckMode) (*repo.Report, *S3API) {
	rep := &repo.Report{}

	if keys.Err != nil {
		rep.Fail(repo.LineCredentials, keys.Err)
		return rep, nil
	}

	creds := keys.ResolvedCredentials

	rep.CredentialsFrom = creds.From
	rep.Add(repo.LineCredentials, repo.StatusOK, "Using "+creds.From+".")

	api, err := newS3API(loc, creds)
	if err != nil {
		rep.Fail(repo.LineEndpoint, err)
		return rep, nil
	}

	defer func() { rep.Requests = int(api.http.n.Load()) }()

	api.run(ctx, rep, mode)

	return rep, api
}

// run performs the checks in order. A problem that makes the rest
// meaningless (no bucket, bad keys, no network, Cancel) stops them; a
// refused action does not, so that every refused action is named at once.
func (a *S3API) run(ctx context.Context, rep *repo.Report, mode repo.CheckMode) {
	steps := []func(context.Context, *repo.Report) bool{a.checkBucket, a.checkRegion}
	steps = append(steps, func(ctx context.Context, rep *repo.Report) bool { return a.checkList(ctx, rep, mode) })

	if mode == repo.CheckWrite {
		steps = append(steps, func(ctx context.Context, rep *repo.Report) bool { a.checkWrite(ctx, rep); return true })
	}

	for _, step := range steps {
		if !step(ctx, rep) && !a.onlyDenied(rep) {
			return
		}
	}
}

// onlyDenied says whether the one problem so far is refused actions, after
// which the other checks still tell something.
func (a *S3API) onlyDenied(rep *repo.Report) bool {
	return rep.Err != nil && repo.CodeOf(rep.Err) == repo.CodeAccessDenied
}

// failLine records err on line, blaming what is really at fault: a
// cancelled check is a cancellation, not a failed line; keys the server
// refuses fail the Credentials line, whichever request found out; each
// refused action joins the one access-denied error that names them all.
func (a *S3API) failLine(ctx context.Context, rep *repo.Report, line string, err error) {
	switch {
	case ctx.Err() != nil:
		rep.Add(line, repo.StatusSkipped, "Cancelled.")

		if rep.Err == nil || repo.CodeOf(rep.Err) != repo.CodeCanceled {
			rep.Err = repo.CanceledError(ctx.Err())
		}
	case repo.CodeOf(err) == repo.CodeBadCredentials:
		for i, l := range rep.Lines {
			if l.Name == repo.LineCredentials {
				rep.Lines[i] = repo.CheckLine{Name: repo.LineCredentials, Status: repo.StatusFailed, Message: err.Error()}
			}
		}

		rep.Add(line, repo.StatusSkipped, "Not tried: the server refused the credentials.")
		rep.Err = err
	case repo.CodeOf(err) == repo.CodeAccessDenied:
		rep.Add(line, repo.StatusFailed, err.Error())
		rep.PolicyJSON = repo.PolicyJSON(a.Loc.Bucket)
		rep.Err = joinDenied(rep.Err, err, a.Location)
	default:
		rep.Fail(line, err)
	}
}

// joinDenied adds one refused action to the access-denied error so far.
func joinDenied(prev, next error, location string) error {
	var p, n *repo.Error
	if !errors.As(next, &n) {
		return next
	}

	actions := []string{}
	if errors.As(prev, &p) && p.Code == repo.CodeAccessDenied {
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

	e := repo.NewError(repo.CodeAccessDenied, errors.Unwrap(n), "The credentials are not allowed %s on %s. Add them to their IAM policy; the full policy Corso needs can be copied from the check results.", joinWords(actions), location)
	e.Action, e.Actions = actions[0], actions

	return e
}

func joinWords(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}

	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

func (a *S3API) checkBucket(ctx context.Context, rep *repo.Report) bool {
	_, err := a.Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(a.Loc.Bucket)})
	if err == nil {
		rep.Add(repo.LineEndpoint, repo.StatusOK, a.endpointOK())
		rep.Add(repo.LineBucket, repo.StatusOK, "Bucket "+a.Loc.Bucket+" exists.")

		return true
	}

	if te := classifyTransport(err, a.Location); te != nil || ctx.Err() != nil {
		a.failLine(ctx, rep, repo.LineEndpoint, a.Fail(ctx, err, ""))
		return false
	}

	rep.Add(repo.LineEndpoint, repo.StatusOK, a.endpointOK())

	switch HTTPStatus(err) {
	case http.StatusNotFound:
		rep.Fail(repo.LineBucket, bucketMissing(a.Location))
		return false
	case http.StatusMovedPermanently, http.StatusBadRequest:
		// a region mismatch; GetBucketLocation names the bucket's region.
		rep.Add(repo.LineBucket, repo.StatusOK, "Bucket "+a.Loc.Bucket+" exists.")
	case http.StatusForbidden:
		// HEAD has no body, so 403 may be bad keys or a missing
		// s3:ListBucket; GetBucketLocation's answer tells which.
		rep.Add(repo.LineBucket, repo.StatusSkipped, "Not known yet: the server refused to say (see below).")
	default:
		a.failLine(ctx, rep, repo.LineBucket, a.Fail(ctx, err, repo.ActionListBucket))
		return false
	}

	return true
}

func (a *S3API) endpointOK() string {
	switch {
	case a.Loc.DisableTLS:
		return a.Loc.Endpoint + " answers over plain HTTP (TLS disabled: for testing only)."
	case a.Loc.DisableTLSVerification:
		return a.Loc.Endpoint + " answers over TLS, but its certificate is not verified (for testing only)."
	case a.Loc.CAFile != "":
		return a.Loc.Endpoint + " answers over TLS with a certificate signed by the chosen CA."
	}

	return a.Loc.Endpoint + " answers over TLS with a trusted certificate."
}

func (a *S3API) checkRegion(ctx context.Context, rep *repo.Report) bool {
	configured := a.Loc.Region

	// The location is asked in us-east-1, which every S3 service accepts for
	// this call; the answer then decides the region for everything else.
	a.setRegion("")

	out, err := a.Client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(a.Loc.Bucket)})
	if err != nil {
		e := a.Fail(ctx, err, repo.ActionGetBucketLocation)
		a.failLine(ctx, rep, repo.LineRegion, e)
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
		e := repo.NewError(repo.CodeRegionMismatch, nil, "The region is set to %s, but bucket %s is in %s. Change the region to %s, or clear it to use the bucket's own region.", configured, a.Loc.Bucket, region, region)
		e.Regions = [2]string{configured, region}
		e.Field = repo.FieldRegion
		rep.Fail(repo.LineRegion, e)

		return false
	}

	rep.Add(repo.LineRegion, repo.StatusOK, "The bucket is in "+region+".")
	a.setRegion(region)

	return true
}

// fixBucketLine settles a bucket line left open by a HEAD 403 once
// GetBucketLocation has said more.
func (a *S3API) fixBucketLine(rep *repo.Report, e error) {
	for i, l := range rep.Lines {
		if l.Name == repo.LineBucket && l.Status == repo.StatusSkipped {
			switch repo.CodeOf(e) {
			case repo.CodeBucketMissing:
				rep.Lines[i] = repo.CheckLine{Name: repo.LineBucket, Status: repo.StatusFailed, Message: e.Error()}
			default:
				rep.Lines[i].Message = "Not known: the server refused to say."
			}
		}
	}
}

func (a *S3API) checkList(ctx context.Context, rep *repo.Report, mode repo.CheckMode) bool {
	// A HEAD refused earlier with GetBucketLocation allowed means
	// s3:ListBucket is the action missing; ListObjectsV2 confirms it.
	names, truncated, err := a.list(ctx, a.Loc.Prefix, 100, rep)
	if err != nil {
		e := a.Fail(ctx, err, repo.ActionListBucket)
		a.failLine(ctx, rep, repo.LineList, e)
		a.fixBucketLine(rep, e)

		return false
	}

	for i, l := range rep.Lines {
		if l.Name == repo.LineBucket && l.Status == repo.StatusSkipped {
			rep.Lines[i] = repo.CheckLine{Name: repo.LineBucket, Status: repo.StatusOK, Message: "Bucket " + a.Loc.Bucket + " exists."}
		}
	}

	if truncated {
		// A busy repository lists many packs before kopia.repository's
		// neighbours and its index blobs (x…, last in order): look for both.
		for _, p := range []string{"kopia.", "x"} {
			more, _, err := a.list(ctx, a.Loc.Prefix+p, 10, rep)
			if err != nil {
				a.failLine(ctx, rep, repo.LineList, a.Fail(ctx, err, repo.ActionListBucket))
				return false
			}

			names = append(names, more...)
		}
	}

	rep.State, rep.HalfMade = classifyNames(topLevel(names))

	if overlap, err := a.overlap(ctx, names, mode); err != nil {
		rep.Fail(repo.LineList, err)
		return false
	} else if overlap != "" {
		e := repo.NewError(repo.CodePrefixOverlap, nil, "%s Repositories in one bucket need prefixes where neither is inside the other: choose a different prefix.", overlap)
		e.Field = repo.FieldPrefix
		rep.Fail(repo.LineList, e)
		rep.State = repo.StateNotEmpty

		return false
	}

	st := repo.StatusOK
	if rep.State == repo.StateNotEmpty || rep.State == repo.StateHalfMade {
		st = repo.StatusWarning
	}

	rep.Add(repo.LineList, st, describeState(rep.State, rep.HalfMade))

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
func (a *S3API) list(ctx context.Context, prefix string, limit int32, rep *repo.Report) ([]string, bool, error) {
	out, err := a.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(a.Loc.Bucket),
		Prefix:  aws.String(prefix),
		MaxKeys: aws.Int32(limit),
	})
	if err != nil {
		return nil, false, err
	}

	names := make([]string, 0, len(out.Contents))
	for _, o := range out.Contents {
		name := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix)
		names = append(names, name)

		if name == BlobCfgBlobName && o.LastModified != nil {
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
func (a *S3API) overlap(ctx context.Context, names []string, mode repo.CheckMode) (string, error) {
	if inner, err := a.innerRepository(ctx, names); err != nil || inner != "" {
		return inner, err
	}

	if a.Loc.Prefix == "" || mode == repo.CheckRead {
		return "", nil
	}

	// Every prefix above this one, from the bucket's root down, asked at
	// once: one round trip whatever the depth.
	parts := strings.Split(strings.TrimSuffix(a.Loc.Prefix, "/"), "/")
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

			out, err := a.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket:  aws.String(a.Loc.Bucket),
				Prefix:  aws.String(outer + FormatBlobName),
				MaxKeys: aws.Int32(1),
			})
			if err != nil {
				errs[i] = a.Fail(ctx, err, repo.ActionListBucket)
				return
			}

			for _, o := range out.Contents {
				found[i] = found[i] || aws.ToString(o.Key) == outer+FormatBlobName
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
func (a *S3API) innerRepository(ctx context.Context, names []string) (string, error) {
	nested := false

	for _, n := range names {
		if strings.HasSuffix(n, "/"+FormatBlobName) {
			return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.Loc.Prefix+strings.TrimSuffix(n, FormatBlobName)), nil
		}

		nested = nested || strings.Contains(n, "/")
	}

	if !nested {
		return "", nil
	}

	var token *string

	for page := 0; page < maxInnerPages; page++ {
		out, err := a.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket:            aws.String(a.Loc.Bucket),
			Prefix:            aws.String(a.Loc.Prefix),
			ContinuationToken: token,
		})
		if err != nil {
			return "", a.Fail(ctx, err, repo.ActionListBucket)
		}

		for _, o := range out.Contents {
			if rel := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix); strings.HasSuffix(rel, "/"+FormatBlobName) {
				return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.Loc.Prefix+strings.TrimSuffix(rel, FormatBlobName)), nil
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
func (a *S3API) checkWrite(ctx context.Context, rep *repo.Report) {
	key := a.Key(probeName())
	bucket := aws.String(a.Loc.Bucket)
	denied := 0

	refused := func(action string, err error) bool {
		e := a.Fail(ctx, err, action)
		a.failLine(ctx, rep, repo.LineWrite, e)

		if repo.CodeOf(e) != repo.CodeAccessDenied {
			return false
		}

		denied++

		return true
	}

	// Deleting a key that does not exist yet proves s3:DeleteObject without
	// risk: if it is denied, nothing is written, as it could not be removed.
	if _, err := a.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key)}); err != nil {
		if refused(repo.ActionDeleteObject, err) {
			rep.Add(repo.LineWrite, repo.StatusSkipped, "Writing was not tried: a test object could not be deleted again.")
		}

		return
	}

	payload := []byte("corso-desktop write check; safe to delete\n")

	_, err := a.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))),
	})
	if err != nil {
		refused(repo.ActionPutObject, err)
		a.removeProbe(key)

		return
	}

	defer a.removeProbe(key)

	// A second write that must not replace the first tells whether the
	// store honours If-None-Match, which creating a repository relies on.
	_, err = a.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))), IfNoneMatch: aws.String("*"),
	})
	rep.ConditionalWrites = ConditionFailed(err)

	out, err := a.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
	if err != nil {
		refused(repo.ActionGetObject, err)
		return
	}

	got, err := io.ReadAll(out.Body)
	out.Body.Close() //nolint:errcheck

	if err != nil || !bytes.Equal(got, payload) {
		rep.Fail(repo.LineWrite, repo.NewError(repo.CodeUnknown, err, "An object written to %s came back different. The store may be misbehaving; contact its operator.", a.Location))
		return
	}

	if denied == 0 {
		rep.Add(repo.LineWrite, repo.StatusOK, "A test object was written, read back and deleted.")
	}
}

// removeProbe deletes the probe on a fresh context so a cancelled check
// still cleans up after itself.
func (a *S3API) removeProbe(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	a.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(key)}) //nolint:errcheck
}

func ReadCAFile(path string) ([]byte, error) {
	pem, err := os.ReadFile(path) //nolint:gosec // the user chose this file
	if err != nil {
		e := repo.NewError(repo.CodeInvalidField, err, "The CA certificate file %s cannot be read. Choose the file again.", path)
		e.Field = repo.FieldCAFile

		return nil, e
	}

	return pem, nil
}
