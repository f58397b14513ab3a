package repo_test

import (
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
)

func TestCorsoCLICommand(t *testing.T) {
	cases := []struct {
		s    repo.Settings
		want string
	}{
		{repo.Filesystem{Path: "/srv/it's mine"}, `corso repo connect filesystem --path '/srv/it'\''s mine'`},
		{repo.S3{Bucket: "s3://bkt", Prefix: "a", Credentials: repo.Credentials{Source: repo.CredentialsProfile, Profile: "backup"}},
			`AWS_PROFILE=backup corso repo connect s3 --bucket bkt --prefix a/`},
		{repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIA"}},
			Endpoint: "127.0.0.1:9000", DisableTLS: true},
			`corso repo connect s3 --bucket bkt --endpoint 127.0.0.1:9000 --disable-tls`},
	}

	for _, c := range cases {
		if got := repo.CorsoCLICommand(c.s); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
