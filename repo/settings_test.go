package repo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
)

// TestNamesTheStoreWouldRewriteOrRefuse: prefixes and bucket names that a
// store folds away or refuses are refused at the field, with a sentence
// that says what to write instead, before any request.
func TestNamesTheStoreWouldRewriteOrRefuse(t *testing.T) {
	creds := repo.Credentials{Source: repo.CredentialsEnvironment}
	long := strings.Repeat("a", 256)

	cases := []struct {
		s      repo.Settings
		field  string
		saying string
	}{
		{repo.S3{Bucket: "b-1", Prefix: "/lead", Credentials: creds}, repo.FieldPrefix, `"lead/"`},
		{repo.S3{Bucket: "b-1", Prefix: "..", Credentials: creds}, repo.FieldPrefix, "empty"},
		{repo.S3{Bucket: "b-1", Prefix: "./x", Credentials: creds}, repo.FieldPrefix, `"x/"`},
		{repo.S3{Bucket: "b-1", Prefix: "a//b", Credentials: creds}, repo.FieldPrefix, `"a/b/"`},
		{repo.S3{Bucket: "b-1", Prefix: "a/../b", Credentials: creds}, repo.FieldPrefix, `"b/"`},
		{repo.S3{Bucket: "b-1", Prefix: long + "/x", Credentials: creds}, repo.FieldPrefix, "256"},
		{repo.S3Compatible{S3: repo.S3{Bucket: "s1..x", Credentials: creds}, Endpoint: "h:9000"}, repo.FieldBucket, "two dots"},
		{repo.S3Compatible{S3: repo.S3{Bucket: "a.-b", Credentials: creds}, Endpoint: "h:9000"}, repo.FieldBucket, "hyphen"},
		{repo.S3Compatible{S3: repo.S3{Bucket: "192.168.1.10", Credentials: creds}, Endpoint: "h:9000"}, repo.FieldBucket, "Endpoint"},
		{repo.S3{Bucket: "xn--bucket", Credentials: creds}, repo.FieldBucket, "Amazon S3 bucket name"},
		{repo.S3{Bucket: "a-.b", Credentials: creds}, repo.FieldBucket, "Amazon S3 bucket name"},
	}

	for _, c := range cases {
		_, err := repo.Normalize(c.s)

		var fe repo.FieldErrors
		if !errors.As(err, &fe) || !strings.Contains(fe.For(c.field), c.saying) {
			t.Errorf("%s: %v, want a %s message saying %q", c.s.Describe(), err, c.field, c.saying)
		}

		// Check refuses it the same way, before any request is made.
		if _, err := kopiaengine.New().Check(context.Background(), c.s, repo.S3Secrets{}, repo.CheckRead); !errors.As(err, &fe) {
			t.Errorf("%s: check did not refuse it: %v", c.s.Describe(), err)
		}
	}

	for _, ok := range []string{"lead", "lead/", "lead//", "a/b/c", "tenant a/b", "ünï/cödé"} {
		if _, err := repo.Normalize(repo.S3{Bucket: "b-1", Prefix: ok, Credentials: creds}); err != nil {
			t.Errorf("prefix %q refused: %v", ok, err)
		}
	}
}

func TestAmazonRegionsAreAmazons(t *testing.T) {
	creds := repo.Credentials{Source: repo.CredentialsEnvironment}

	for _, r := range []string{"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "us-isob-east-1", "il-central-1"} {
		if _, err := repo.Normalize(repo.S3{Bucket: "b-1", Region: r, Credentials: creds}); err != nil {
			t.Errorf("%s refused: %v", r, err)
		}
	}

	_, err := repo.Normalize(repo.S3{Bucket: "b-1", Region: "mars-north-1", Credentials: creds})

	var fe repo.FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(fe.For(repo.FieldRegion), "not an Amazon S3 region") {
		t.Fatalf("mars-north-1 accepted for Amazon S3: %v", err)
	}

	// Other stores name their regions as they like.
	if _, err := repo.Normalize(repo.S3Compatible{S3: repo.S3{Bucket: "b-1", Region: "mars-north-1", Credentials: creds}, Endpoint: "h:1"}); err != nil {
		t.Fatalf("an S3-compatible store's own region refused: %v", err)
	}
}
