package engineproto_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kopia/kopia/repo/blob"
	"github.com/minio/minio-go/v7"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// damageStore is where a verification test's repository lives, with what
// can be done to its blobs from outside.
type damageStore struct {
	name     string
	settings func(t *testing.T, name string) repo.Settings
	// read and write a blob's bytes; remove deletes it; listing is every
	// object as it stands, to hold "nothing written" to.
	read    func(t *testing.T, s repo.Settings, id blob.ID) []byte
	write   func(t *testing.T, s repo.Settings, id blob.ID, b []byte)
	remove  func(t *testing.T, s repo.Settings, id blob.ID)
	listing func(t *testing.T, s repo.Settings) []string
}

func damageStores(t *testing.T) []damageStore {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	key := func(s repo.Settings, id blob.ID) string { return s.(repo.S3Compatible).Prefix + "/" + string(id) }

	return []damageStore{
		{
			name:     "minio",
			settings: func(_ *testing.T, name string) repo.Settings { return m.Settings(bucket, name) },
			read: func(t *testing.T, s repo.Settings, id blob.ID) []byte {
				o, err := m.Client(t).GetObject(context.Background(), bucket, key(s, id), minio.GetObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer o.Close()

				b, err := io.ReadAll(o)
				if err != nil {
					t.Fatal(err)
				}

				return b
			},
			write:  func(t *testing.T, s repo.Settings, id blob.ID, b []byte) { m.Put(t, bucket, key(s, id), string(b)) },
			remove: func(t *testing.T, s repo.Settings, id blob.ID) { m.Remove(t, bucket, key(s, id)) },
			listing: func(t *testing.T, s repo.Settings) []string {
				var out []string
				for _, o := range m.Objects(t, bucket) {
					if strings.HasPrefix(o, s.(repo.S3Compatible).Prefix+"/") {
						out = append(out, o)
					}
				}

				return out
			},
		},
		{
			name: "folder",
			settings: func(t *testing.T, _ string) repo.Settings {
				return repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}
			},
			read: func(t *testing.T, s repo.Settings, id blob.ID) []byte {
				b, err := os.ReadFile(repotest.FolderBlob(t, s.(repo.Filesystem).Path, id))
				if err != nil {
					t.Fatal(err)
				}

				return b
			},
			write: func(t *testing.T, s repo.Settings, id blob.ID, b []byte) {
				if err := os.WriteFile(repotest.FolderBlob(t, s.(repo.Filesystem).Path, id), b, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			remove: func(t *testing.T, s repo.Settings, id blob.ID) {
				if err := os.Remove(repotest.FolderBlob(t, s.(repo.Filesystem).Path, id)); err != nil {
					t.Fatal(err)
				}
			},
			listing: func(t *testing.T, s repo.Settings) []string { return repotest.TreeDigest(t, s.(repo.Filesystem).Path) },
		},
	}
}

// blobOf is the one blob of kind (p, q or x) among ids.
func blobOf(t *testing.T, ids []blob.ID, kind string) blob.ID {
	t.Helper()

	for _, id := range ids {
		if strings.HasPrefix(string(id), kind) {
			return id
		}
	}

	t.Fatalf("no %s blob among %v", kind, ids)

	return ""
}

// names says which backups a problem names.
func names(p repo.VerifyProblem) []string {
	var out []string
	for _, b := range p.Backups {
		out = append(out, b.ID+" "+b.Part)
	}

	return out
}

// TestVerifyNamesTheBackup, over both engines, on MinIO and on a folder:
// a clean repository of Corso backups gives no problem; a flipped byte in
// a pack, a deleted pack, a truncated index and a missing manifest (the
// pack of a backup's model) each give one problem naming exactly the
// backup it touches, and the part of it; a verification writes nothing.
func TestVerifyNamesTheBackup(t *testing.T) {
	ctx := context.Background()
	sec := repotest.RootSecrets()

	damages := []struct {
		name string
		// victim's part, the damage, and the modes that must see it
		part  string
		do    func(t *testing.T, st damageStore, s repo.Settings, victim repotest.CorsoBackupWithData)
		modes []repo.VerifyMode
	}{
		{"flipped byte", repo.PartItemData, func(t *testing.T, st damageStore, s repo.Settings, v repotest.CorsoBackupWithData) {
			id := blobOf(t, v.ItemData, "p")
			b := st.read(t, s, id)
			b[len(b)/2] ^= 0x40
			st.write(t, s, id, b)
		}, []repo.VerifyMode{repo.VerifyFull}},
		{"deleted pack", repo.PartItemData, func(t *testing.T, st damageStore, s repo.Settings, v repotest.CorsoBackupWithData) {
			st.remove(t, s, blobOf(t, v.ItemData, "p"))
		}, []repo.VerifyMode{repo.VerifyQuick, repo.VerifyFull}},
		{"truncated index", repo.PartItemData, func(t *testing.T, st damageStore, s repo.Settings, v repotest.CorsoBackupWithData) {
			id := blobOf(t, v.ItemData, "x")
			b := st.read(t, s, id)
			st.write(t, s, id, b[:len(b)/2])
		}, []repo.VerifyMode{repo.VerifyQuick, repo.VerifyFull}},
		{"missing manifest", repo.PartRecord, func(t *testing.T, st damageStore, s repo.Settings, v repotest.CorsoBackupWithData) {
			st.remove(t, s, blobOf(t, v.Record, "q"))
		}, []repo.VerifyMode{repo.VerifyQuick, repo.VerifyFull}},
	}

	for ename, e := range repotest.Engines(t) {
		for _, st := range damageStores(t) {
			for _, d := range damages {
				t.Run(fmt.Sprintf("%s %s %s", ename, st.name, d.name), func(t *testing.T) {
					s := st.settings(t, strings.ReplaceAll(fmt.Sprintf("verify-%s-%s", ename, d.name), " ", "-"))
					local := repotest.LocalIn(t.TempDir())

					if _, err := e.Initialize(ctx, s, sec, local); err != nil {
						t.Fatal(err)
					}

					bs, err := repotest.WriteCorsoBackupsWithData(kopiaengine.WithS3Secrets(ctx, sec.S3), local.ConfigFile, sec.Passphrase, []string{"victim", "bystander"}, 12, 4<<10)
					if err != nil {
						t.Fatal(err)
					}

					// Clean: nothing found, in either mode.
					for _, mode := range []repo.VerifyMode{repo.VerifyQuick, repo.VerifyFull} {
						res, err := e.Verify(ctx, local, sec, repo.VerifyRequest{Mode: mode})
						if err != nil || len(res.Problems) != 0 || res.Packs == 0 || res.Manifests == 0 || mode == repo.VerifyFull && res.PacksRead != res.Packs {
							t.Fatalf("a clean repository, %s: %+v %v", mode, res, err)
						}
					}

					d.do(t, st, s, bs[0])
					before := st.listing(t, s)

					for _, mode := range d.modes {
						res, err := e.Verify(ctx, local, sec, repo.VerifyRequest{Mode: mode})
						if err != nil {
							t.Fatalf("%s: %v", mode, err)
						}

						want := bs[0].ID + " " + d.part
						named := false

						for _, p := range res.Problems {
							got := names(p)
							named = named || slices.Contains(got, want)

							if slices.ContainsFunc(got, func(n string) bool { return strings.HasPrefix(n, bs[1].ID) }) {
								t.Errorf("%s: the bystander is named: %s %v", mode, p.What, got)
							}
						}

						if !named {
							t.Errorf("%s: no problem names %q: %+v", mode, want, res.Problems)
						}
					}

					if after := st.listing(t, s); !slices.Equal(before, after) {
						t.Errorf("the verification wrote something:\n%v\n%v", before, after)
					}
				})
			}
		}
	}
}
