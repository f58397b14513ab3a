package preflight

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/corsodesktop/corso-desktop/repo"
)

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

// run performs the checks in order: a problem that makes the rest
// meaningless (no bucket, bad keys, no network, Cancel) stops them; a
// refused action does not, so that every refused action is named at once.
// Requests that do not depend on one another are sent together: the bucket
// with its region, the listing, the look above the prefix, the object-lock
// configuration and the probe's first delete go in the first round, then
// the probe's write, then its second write with its read. Their answers
// are read in the checks' order, so the report is the one a check one
// request at a time would give.
func (a *S3API) run(ctx context.Context, rep *repo.Report, mode repo.CheckMode) {
	// GetBucketLocation is asked in us-east-1, which every S3 service
	// accepts for it, on a client of its own.
	usEast := a.clientFor("us-east-1")
	location := ahead(func() (*s3.GetBucketLocationOutput, error) {
		return usEast.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(a.Loc.Bucket)})
	})

	// The requests that need the bucket's region go at once too, signed
	// for the region the bucket most likely is in (the one set, else
	// us-east-1, where every S3-compatible store's buckets are). If the
	// bucket turns out to be elsewhere, their answers are dropped and they
	// are sent again in its region: reads, and a delete of a name nobody
	// uses, so a wrong guess changes nothing.
	guessed := a.region
	next := a.regional(ctx, mode)

	if !a.checkBucket(ctx, rep) && !a.onlyDenied(rep) {
		return
	}

	if !a.checkRegion(ctx, rep, location) && !a.onlyDenied(rep) {
		return
	}

	if a.region != guessed {
		next = a.regional(ctx, mode)
	}

	if next.objectLock != nil && !a.checkObjectLock(ctx, rep, next.objectLock) && !a.onlyDenied(rep) {
		return
	}

	if !a.checkList(ctx, rep, mode, next.firstPage, next.outer) && !a.onlyDenied(rep) {
		return
	}

	if mode == repo.CheckWrite {
		a.checkWrite(ctx, rep, next.probe, next.deleted)
	}
}

// regionalRound is the requests of a check that are signed for the
// bucket's region, sent together.
type regionalRound struct {
	firstPage  *future[*s3.ListObjectsV2Output]
	outer      *future[string]
	objectLock *future[*s3.GetObjectLockConfigurationOutput]
	// probe is the write probe's name, deleted the answer to its first
	// delete (write checks only).
	probe   string
	deleted *future[*s3.DeleteObjectOutput]
}

// regional sends the round on the client of the region set now.
func (a *S3API) regional(ctx context.Context, mode repo.CheckMode) regionalRound {
	client := a.Client
	r := regionalRound{
		firstPage: ahead(func() (*s3.ListObjectsV2Output, error) {
			return listPageOn(ctx, client, a.Loc.Bucket, a.Loc.Prefix, 100)
		}),
		outer: a.outerAhead(ctx, mode),
		probe: a.Key(probeName()),
	}

	if a.Loc.ObjectLock != nil {
		r.objectLock = ahead(func() (*s3.GetObjectLockConfigurationOutput, error) {
			return client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(a.Loc.Bucket)})
		})
	}

	if mode == repo.CheckWrite {
		r.deleted = ahead(func() (*s3.DeleteObjectOutput, error) {
			return client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(r.probe)})
		})
	}

	return r
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
		rep.PolicyJSON = repo.PolicyJSON(a.Loc.Bucket, a.Loc.ObjectLock != nil)
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

func (a *S3API) checkRegion(ctx context.Context, rep *repo.Report, location *future[*s3.GetBucketLocationOutput]) bool {
	configured := a.Loc.Region

	// The answer, asked in us-east-1, decides the region for everything
	// else.
	out, err := location.get()
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

// checkObjectLock proves the bucket can lock objects: S3 Object Lock is
// enabled on it (which also means versioning). The write probe then proves
// that these credentials may set an object's retention.
func (a *S3API) checkObjectLock(ctx context.Context, rep *repo.Report, asked *future[*s3.GetObjectLockConfigurationOutput]) bool {
	out, err := asked.get()

	code, _ := S3ErrorCode(err)

	switch {
	case err == nil && out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled:
		rep.Add(repo.LineObjectLock, repo.StatusOK, "Bucket "+a.Loc.Bucket+" has S3 Object Lock enabled (and so versioning): each blob will be locked in "+
			strings.ToLower(a.Loc.ObjectLock.Mode)+" mode for "+repo.DescribePeriod(a.Loc.ObjectLock.Period)+" after it is written.")

		return true
	case err == nil || code == "ObjectLockConfigurationNotFoundError" || code == "ObjectLockConfigurationNotFound":
		rep.Fail(repo.LineObjectLock, repo.NewError(repo.CodeNoObjectLock, err, "Bucket %s does not have S3 Object Lock turned on, so the repository's blobs could not be locked and nothing was written. %s",
			a.Loc.Bucket, turnOnObjectLock(a.Loc)))

		return false
	}

	a.failLine(ctx, rep, repo.LineObjectLock, a.Fail(ctx, err, repo.ActionGetBucketObjectLockConfiguration))

	return false
}

// turnOnObjectLock says how Object Lock is turned on for a bucket that
// exists: Amazon S3 allows it (and turns versioning on with it); other
// stores differ, MinIO among those that allow it only at creation.
func turnOnObjectLock(loc repo.S3Location) string {
	if loc.Endpoint == repo.DefaultS3Endpoint {
		return "Amazon S3 can turn it on for an existing bucket: in the S3 console, the bucket's Properties, Object Lock, Edit (or aws s3api put-object-lock-configuration --bucket " + loc.Bucket +
			" --object-lock-configuration ObjectLockEnabled=Enabled); it turns versioning on too, and cannot be turned off again. Or create the repository without object lock."
	}

	return "Whether it can be turned on for a bucket that exists depends on the store: some allow it (as Amazon S3 does, turning versioning on with it), others, MinIO among them, only when the bucket is created. " +
		"Use a bucket that has it, or create the repository without object lock."
}
