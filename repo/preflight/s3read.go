// Reading a connected location's objects by name, for the reads kopia's
// open makes, asked for before kopia's own client is ready.

package preflight

import (
	"context"
	"errors"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ErrNoSuchObject is Get's answer for a name the bucket does not hold
// (not for a bucket that is missing: that is another error).
var ErrNoSuchObject = errors.New("preflight: no such object")

// Get reads the object name (relative to the location) whole.
func (a *S3API) Get(ctx context.Context, name string) ([]byte, error) {
	out, err := a.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(a.Key(name))})
	if err != nil {
		if missing := (*types.NoSuchKey)(nil); errors.As(err, &missing) {
			return nil, ErrNoSuchObject
		}

		return nil, err
	}
	defer out.Body.Close() //nolint:errcheck // read whole

	return io.ReadAll(out.Body)
}

// List calls each for every object whose name (relative to the location)
// begins with prefix, page after page.
func (a *S3API) List(ctx context.Context, prefix string, each func(ListedObject) error) error {
	return a.listPart(ctx, listing{prefix: prefix}, each)
}
