// The S3 client a check runs on, and the keys and TLS trust it shares with kopia.

package preflight

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/dialahead"
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
	pages  pagesDecoded
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
			// A whole listing goes in listings side by side (ListAll):
			// their connections are kept for the next one.
			t.MaxIdleConnsPerHost = 2*len(KopiaGroups) + 1
			// Connections a prepared engine opened ahead are taken
			// from here.
			t.DialContext = dialahead.Default.Dial
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
	a.Client = a.clientFor(region)
}

// clientFor is an S3 client of this location signing for region.
func (a *S3API) clientFor(region string) *s3.Client {
	return s3.New(s3.Options{
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

// future is a request sent ahead of the step that reads its answer, so
// that independent requests share one round trip.
type future[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func ahead[T any](f func() (T, error)) *future[T] {
	fu := &future[T]{done: make(chan struct{})}

	go func() {
		defer close(fu.done)
		fu.v, fu.err = f()
	}()

	return fu
}

func (f *future[T]) get() (T, error) {
	<-f.done
	return f.v, f.err
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

func ReadCAFile(path string) ([]byte, error) {
	pem, err := os.ReadFile(path) //nolint:gosec // the user chose this file
	if err != nil {
		e := repo.NewError(repo.CodeInvalidField, err, "The CA certificate file %s cannot be read. Choose the file again.", path)
		e.Field = repo.FieldCAFile

		return nil, e
	}

	return pem, nil
}
