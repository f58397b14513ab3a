package preflight

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/minio/minio-go/v7"

	"github.com/corsodesktop/corso-desktop/repo"
)

// classify turns an error from kopia, minio-go, the AWS SDK or the network
// into an *Error with a sentence for people. location is a secret-free
// description of where the failed request went.
func Classify(ctx context.Context, err error, location string) error {
	if err == nil {
		return nil
	}

	var e *repo.Error
	if errors.As(err, &e) {
		return e
	}

	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return repo.CanceledError(err)
	}

	if errors.Is(err, kopiarepo.ErrInvalidPassword) {
		e := repo.NewError(repo.CodeWrongPassphrase, nil, "The passphrase does not open this repository. Type it again; if it was changed since (in Corso Desktop, or with corso repo update-passphrase), use the new one. A lost passphrase cannot be recovered.")
		e.Field = repo.FieldPassphrase

		return e
	}

	if errors.Is(err, kopiarepo.ErrRepositoryNotInitialized) {
		return repo.NewError(repo.CodeNoRepository, nil, "There is no repository at %s. Check the location, or create a new repository there.", location)
	}

	if errors.Is(err, kopiarepo.ErrAlreadyInitialized) {
		return alreadyRepository(location)
	}

	if errors.Is(err, ErrAlreadyThere) {
		return LostRace(location)
	}

	if te := classifyTransport(err, location); te != nil {
		return te
	}

	if errors.Is(err, syscall.ENOSPC) || isQuotaExceeded(err) {
		return diskFull(err, location)
	}

	if code, status := S3ErrorCode(err); code != "" || status != 0 {
		if e := classifyS3Code(err, code, status, "", location); e != nil {
			return e
		}

		return storeRefused(err, code, status, location)
	}

	return repo.NewError(repo.CodeUnknown, err, "Something unexpected went wrong with %s. The details below say what; if it keeps happening, report it with them.", location)
}

// usualCauses says what usually makes a store answer an S3 error code
// that names no problem of the user's own settings.
var usualCauses = map[string]string{
	"InvalidArgument":            "a request option this store does not accept (an object-lock, checksum or encryption setting), or a proxy in between that changes requests",
	"InvalidRequest":             "a request feature this store or bucket does not support, such as conditional writes or object lock",
	"NotImplemented":             "a feature this store does not implement (conditional writes, object lock or versioning differ between S3-compatible stores)",
	"XAmzContentSHA256Mismatch":  "a request body changed on its way: a proxy, gateway or antivirus between this computer and the store that rewrites requests",
	"BadDigest":                  "a request body changed on its way: a proxy, gateway or antivirus between this computer and the store that rewrites requests",
	"MalformedXML":               "a proxy in between that alters request bodies, or a store that speaks another dialect of the S3 API",
	"InvalidDigest":              "a proxy in between that alters request bodies",
	"MissingContentLength":       "a proxy in between that drops a request's length",
	"RequestTimeTooSkewed":       "this computer's clock being more than 15 minutes off: set it right (automatic time) and try again",
	"SlowDown":                   "too many requests at once for the store: wait a minute and try again",
	"ServiceUnavailable":         "the store being overloaded or under maintenance: wait a few minutes and try again",
	"InternalError":              "a fault inside the store: wait a few minutes and try again, and tell its operator if it stays",
	"XMinioServerNotInitialized": "the MinIO server still starting: wait a minute and try again",
}

// storeRefused says what the store answered, its code and message (never
// a secret: a store's message names no key), and what usually causes it.
func storeRefused(err error, code string, status int, location string) *repo.Error {
	said := code
	if said == "" {
		said = http.StatusText(status)
	}

	if msg := S3ErrorMessage(err); msg != "" && msg != code {
		said += ": \"" + msg + "\""
	}

	if status != 0 {
		said += fmt.Sprintf(" (HTTP %d)", status)
	}

	cause, ok := usualCauses[code]
	if !ok {
		return repo.NewError(repo.CodeUnknown, err, "%s refused a request: it answered %s. The details below say more; if it keeps happening, ask the store's operator what the answer means.", location, said)
	}

	return repo.NewError(repo.CodeUnknown, err, "%s refused a request: it answered %s. This usually means %s.", location, said, cause)
}

// S3ErrorMessage is the store's own message in an S3 error, cut short,
// without the XML around it.
func S3ErrorMessage(err error) string {
	var msg string

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg = apiErr.ErrorMessage()
	}

	var minioErr minio.ErrorResponse
	if errors.As(err, &minioErr) {
		msg = minioErr.Message
	}

	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}

	return msg
}

func alreadyRepository(location string) *repo.Error {
	return repo.NewError(repo.CodeAlreadyRepository, nil, "There is already a repository at %s, and creating one would overwrite it. Connect to it instead.", location)
}

// classifyTransport recognises network and TLS failures.
func classifyTransport(err error, location string) *repo.Error {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostnameErr      x509.HostnameError
		invalidCert      x509.CertificateInvalidError
		verifyErr        *tls.CertificateVerificationError
		recordErr        tls.RecordHeaderError
		dnsErr           *net.DNSError
		opErr            *net.OpError
	)

	switch {
	case errors.As(err, &unknownAuthority) || errors.As(err, &verifyErr) && errors.As(verifyErr.Err, &unknownAuthority):
		return repo.NewError(repo.CodeTLSUntrusted, err, "The TLS certificate of %s is not trusted by this computer (it may be self-signed). Choose the CA certificate file that signed it in the TLS section; turning verification off is for testing only.", location)
	case errors.As(err, &hostnameErr):
		return repo.NewError(repo.CodeTLSUntrusted, err, "The TLS certificate of %s is for a different host name. Check the endpoint, or choose the right CA certificate file.", location)
	case errors.As(err, &invalidCert):
		return repo.NewError(repo.CodeTLSUntrusted, err, "The TLS certificate of %s is not valid (expired, or not usable for a server). Renew it on the server, or choose the right CA certificate file.", location)
	case errors.As(err, &recordErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return repo.NewError(repo.CodeTLSMismatch, err, "%s answered in plain HTTP, not TLS. Check the port; if the store really has no TLS, turn on \"Disable TLS\" (for testing only).", location)
	case strings.Contains(err.Error(), "malformed HTTP response"):
		return repo.NewError(repo.CodeTLSMismatch, err, "%s answered in TLS while TLS is disabled here. Turn \"Disable TLS\" off.", location)
	case errors.As(err, &dnsErr) && strings.HasPrefix(location, "Amazon S3"):
		// An Amazon S3 user typed no host: only the network can be at fault.
		return repo.NewError(repo.CodeUnreachable, err, "Amazon S3 cannot be reached from this computer (its address could not be looked up). Check your network connection, then try again.")
	case errors.As(err, &dnsErr):
		return repo.NewError(repo.CodeUnreachable, err, "The host of %s cannot be found. Check the endpoint's spelling and your network connection.", location)
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return repo.NewError(repo.CodeUnreachable, err, "%s does not answer. Check that the storage server is running, the endpoint and port are right, and your network is up.", location)
	case errors.As(err, &opErr) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return repo.NewError(repo.CodeUnreachable, err, "%s cannot be reached. Check the endpoint and your network connection, then try again.", location)
	}

	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// S3ErrorCode pulls the S3 error code and HTTP status out of an AWS SDK or
// minio-go error, without the XML body.
func S3ErrorCode(err error) (string, int) {
	var (
		code   string
		status int
	)

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}

	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}

	var minioErr minio.ErrorResponse
	if errors.As(err, &minioErr) {
		code, status = minioErr.Code, minioErr.StatusCode
	}

	return code, status
}

// classifyS3Code maps an S3 error code to a typed error. action is the S3
// IAM action of the request, when known.
func classifyS3Code(err error, code string, status int, action, location string) *repo.Error {
	switch code {
	case "NoSuchBucket":
		return bucketMissing(location)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "InvalidTokenId", "ExpiredToken", "TokenRefreshRequired", "InvalidClientTokenId", "AuthorizationQueryParametersError":
		return badCredentials(err, code)
	case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
		return repo.NewError(repo.CodeRegionMismatch, err, "The bucket is in a different region than the one set here. Clear the region field to use the bucket's own region.")
	case "AccessDenied", "AllAccessDisabled":
		return accessDenied(err, action, location)
	}

	switch status {
	case http.StatusNotFound:
		return bucketMissing(location)
	case http.StatusForbidden:
		return accessDenied(err, action, location)
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect:
		return repo.NewError(repo.CodeRegionMismatch, err, "The bucket is in a different region than the one set here. Clear the region field to use the bucket's own region.")
	}

	return nil
}

func bucketMissing(location string) *repo.Error {
	return repo.NewError(repo.CodeBucketMissing, nil, "The bucket of %s does not exist. Create it with your storage provider's console or tools first: Corso Desktop, like Corso, never creates buckets.", location)
}

func badCredentials(err error, code string) *repo.Error {
	switch code {
	case "ExpiredToken", "TokenRefreshRequired":
		return repo.NewError(repo.CodeBadCredentials, err, "The session token has expired. Get fresh temporary credentials (for SSO, run \"aws sso login\") and try again.")
	case "InvalidToken", "InvalidTokenId", "InvalidClientTokenId":
		return repo.NewError(repo.CodeBadCredentials, err, "The session token was refused by the server. Enter the token that belongs to these keys, or leave it empty for permanent keys.")
	case "SignatureDoesNotMatch":
		return repo.NewError(repo.CodeBadCredentials, err, "The store says the request's signature does not match (SignatureDoesNotMatch). Usually the secret access key does not belong to the access key ID: enter it again. If it is right, a proxy or load balancer between this computer and the store changes the requests (their host name, path or headers).")
	}

	return repo.NewError(repo.CodeBadCredentials, err, "The server does not know this access key ID. Check the keys, and that they belong to this storage provider.")
}

func accessDenied(err error, action, location string) *repo.Error {
	var e *repo.Error
	if action == "" {
		e = repo.NewError(repo.CodeAccessDenied, err, "Access to %s was denied. Grant these credentials the permissions listed in the details (the policy can be copied from the check results).", location)
	} else {
		e = repo.NewError(repo.CodeAccessDenied, err, "The credentials are not allowed %s on %s. Add %s to their IAM policy; the full policy Corso needs can be copied from the check results.", action, location, action)
	}

	e.Action = action
	if action != "" {
		e.Actions = []string{action}
	}

	return e
}

func diskFull(err error, location string) *repo.Error {
	return repo.NewError(repo.CodeDiskFull, err, "The disk holding %s is full (or your quota on it is used up). Free some space or choose another disk, then run Check: an interrupted creation can be finished.", location)
}

// ClassifyFS explains filesystem errors from creating or opening a folder.
func ClassifyFS(err error, path string) error {
	var pe *fs.PathError

	switch {
	case errors.Is(err, fs.ErrPermission):
		return repo.NewError(repo.CodeAccessDenied, err, "You are not allowed to write to %s. Choose a folder you own, or fix its permissions.", path)
	case errors.Is(err, syscall.ENOTDIR):
		e := repo.NewError(repo.CodeInvalidField, err, "Part of %s is a file, not a folder. Choose a different path.", path)
		e.Field = repo.FieldPath

		return e
	case errors.Is(err, syscall.EROFS):
		return repo.NewError(repo.CodeAccessDenied, err, "%s is on a read-only disk. Choose a folder on a writable disk.", path)
	case errors.Is(err, syscall.ENOSPC) || isQuotaExceeded(err):
		return diskFull(err, path)
	case errors.As(err, &pe):
		return repo.NewError(repo.CodeUnknown, err, "The folder %s could not be used. The details below say why.", path)
	}

	return Classify(context.Background(), err, "folder "+path)
}

var ErrAlreadyThere = errors.New("an object with this name already exists")

func LostRace(where string) error {
	return repo.NewError(repo.CodeLostRace, nil, "Someone else created a repository at %s a moment ago, after it was checked. Nothing of theirs was replaced; run Check to see it, and connect to it if it is yours.", where)
}

func ConditionFailed(err error) bool {
	code, status := S3ErrorCode(err)
	return status == 412 || status == 409 || code == "PreconditionFailed" || code == "ConditionalRequestConflict"
}
