package preflight_test

import (
	"net"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// TestOfflineAmazonS3SpeaksOfAmazon: an Amazon S3 user typed no host, so a
// failed look-up never asks them to check "the endpoint's spelling".
func TestOfflineAmazonS3SpeaksOfAmazon(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "b-1.s3.amazonaws.com", IsNotFound: true}

	amazon := preflight.ClassifyTransport(dnsErr, repo.S3{Bucket: "b-1"}.Describe())
	if !strings.Contains(amazon.Error(), "Amazon S3") || strings.Contains(amazon.Error(), "endpoint") {
		t.Errorf("Amazon S3 offline: %q", amazon)
	}

	other := preflight.ClassifyTransport(dnsErr, repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "minio.example"}.Describe())
	if !strings.Contains(other.Error(), "endpoint") {
		t.Errorf("S3-compatible offline: %q", other)
	}
}
