package kopiaengine

import (
	"context"
	"net"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/dialahead"
)

// connsAhead is how many connections are opened ahead to each address. A
// round waits for the slowest handshake among its requests, so all of a
// round's requests need one: a connect's first round is the check's four
// (on the AWS SDK's connections) and kopia's one, its second the
// read-ahead's eight (the format, the blob settings, the maintenance and
// five index listings), on kopia's; the two clients do not share their
// connections once they have used them.
const connsAhead = 16

// contentsConnsAhead is connsAhead for a connected repository, whose
// contents are read next: in the first round, on the AWS SDK's
// connections, the storage's nineteen listings side by side, a HEAD, and
// what kopia's open reads (three blobs and five index listings,
// readahead.go), and on kopia's its .storageconfig; once open, kopia's
// reads of the packs that hold the backups beside the maintenance
// schedule's, on kopia's (seven more).
const contentsConnsAhead = 19 + 1 + 8 + 1 + 7

// Prepare opens connections ahead to the store of the next operation
// (there is no process to start in this one), for an S3 location whose
// addresses are known: an S3-compatible endpoint, or Amazon S3 once the
// bucket's region is known. A folder needs none.
func (*Engine) Prepare(next repo.Upcoming) {
	addrs := dialAddresses(next)
	if len(addrs) == 0 {
		return
	}

	n := connsAhead
	if next.Local != (repo.Local{}) {
		n = contentsConnsAhead
	}

	dialahead.Default.Open(context.Background(), addrs, n)
}

// dialAddresses are the host:port addresses this engine's S3 clients will
// dial for next: kopia's (minio-go) and the check's (the AWS SDK).
func dialAddresses(next repo.Upcoming) []string {
	if next.Settings == nil {
		return nil
	}

	n, err := repo.Normalize(next.Settings)
	if err != nil {
		return nil
	}

	loc, ok := repo.AsS3(n)
	if !ok {
		return nil
	}

	port := "443"
	if loc.DisableTLS {
		port = "80"
	}

	if loc.Endpoint != repo.DefaultS3Endpoint {
		// Both clients address an S3-compatible store by path, at the
		// endpoint itself.
		if _, _, err := net.SplitHostPort(loc.Endpoint); err == nil {
			return []string{loc.Endpoint}
		}

		return []string{net.JoinHostPort(loc.Endpoint, port)}
	}

	region := loc.Region
	if region == "" {
		region = next.Region
	}

	if region == "" {
		region = connectedRegion(next.Local)
	}

	if region == "" {
		return nil // the first request finds the region; its host is not known before
	}

	return awsAddresses(loc.Bucket, region, port)
}

// connectedRegion is the bucket region kopia's connection file keeps, or
// "".
func connectedRegion(l repo.Local) string {
	if o := connectedS3Options(l); o != nil {
		return o.BucketRegion
	}

	return ""
}

// awsAddresses are where the two clients reach a bucket in an Amazon S3
// region: the AWS SDK at bucket.s3.<region>, minio-go at its dual-stack
// name (TestPreparedAddressesAreWhereTheClientsDial records both). A
// bucket with a dot in its name is addressed otherwise over TLS: none.
func awsAddresses(bucket, region, port string) []string {
	if strings.Contains(bucket, ".") {
		return nil
	}

	return []string{
		net.JoinHostPort(bucket+".s3."+region+".amazonaws.com", port),
		net.JoinHostPort(bucket+".s3.dualstack."+region+".amazonaws.com", port),
	}
}
