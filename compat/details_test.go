package compat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kopia/kopia/fs"
	"github.com/kopia/kopia/fs/virtualfs"
	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/snapshot"
	"github.com/kopia/kopia/snapshot/policy"
	"github.com/kopia/kopia/snapshot/snapshotfs"
)

// withDetails is the repository this module fills with Corso backups and
// their details; detailsExpected says, per backup, what `corso backup
// details` lists: the ShortRefs of its items, in order, and their names.
const (
	withDetails     = "with-details"
	detailsExpected = "details-expected.json"
)

type listedItem struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
}

type detailsWritten struct {
	BackupID string       `json:"backupID"`
	Service  string       `json:"service"`
	Items    []listedItem `json:"items"`
}

// corsoPath is Corso's path.Builder: its String (each '/' and '\' inside
// an element escaped by '\', joined by '/') and its ShortRef (the first
// 12 hex digits of the SHA-256 of the elements run together).
type corsoPath []string

func (p corsoPath) String() string {
	esc := make([]string, len(p))
	for i, e := range p {
		esc[i] = strings.NewReplacer(`\`, `\\`, `/`, `\/`).Replace(e)
	}

	return strings.Join(esc, "/")
}

func (p corsoPath) ShortRef() string {
	sum := sha256.Sum256([]byte(strings.Join(p, "")))
	return fmt.Sprintf("%x", sum[:6])
}

// entry is details.Entry: RepoRef, ShortRef, ParentRef, LocationRef,
// ItemRef and the embedded ItemInfo, for an item at folder/item under
// tenant, service, resource and category.
func entry(prefix, folder corsoPath, item string, info map[string]any) map[string]any {
	full := append(append(append(corsoPath{}, prefix...), folder...), item)
	e := map[string]any{
		"repoRef": full.String(), "shortRef": full.ShortRef(), "parentRef": full[:len(full)-1].ShortRef(),
		"locationRef": folder.String(), "itemRef": strings.TrimSuffix(item, ".data"),
	}

	for k, v := range info {
		e[k] = v
	}

	return e
}

// TestForkWritesCorsoDetails writes, with the fork, what a Corso backup
// writes for its details (internal/streamstore and internal/kopia at
// v0.19.0): a snapshot whose root is the tenant's folder, holding
// <service>Metadata/details/details/details, every name base64url-encoded,
// the file a 4-byte big-endian serialization version (1) and then the
// JSON of details.DetailsModel; and the backup model naming that
// snapshot as streamStoreID. One backup per service, with a folder entry
// and a OneDrive .meta entry that the CLI does not list.
func TestForkWritesCorsoDetails(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()
	dr := openFilesystem(t, ctx, filepath.Join(dir, withDetails), passphrase(t, dir), true)
	at := time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC)

	type item struct {
		folder corsoPath
		id     string
		name   string
		info   map[string]any
	}

	services := map[string][]item{
		"exchange": {
			{corsoPath{"Inbox", "a/b \"c\""}, "AAMk1", "Quarterly \"numbers\" $5!", map[string]any{"exchange": map[string]any{"itemType": 3, "subject": "Quarterly \"numbers\" $5!", "sender": "a@contoso.com", "received": at, "modified": at, "size": 2048}}},
			{corsoPath{"Contacts"}, "AAMk2", "Zoë Ångström", map[string]any{"exchange": map[string]any{"itemType": 1, "contactName": "Zoë Ångström", "modified": at, "size": 512}}},
			{corsoPath{"Calendar"}, "AAMk3", "Standup", map[string]any{"exchange": map[string]any{"itemType": 2, "subject": "Standup", "organizer": "b@contoso.com", "eventStart": at, "modified": at}}},
		},
		"onedrive": {
			{corsoPath{"root:", "Documents", "日本語"}, "01ABC.data", "report.docx", map[string]any{"oneDrive": map[string]any{"itemType": 205, "itemName": "report.docx", "driveName": "OneDrive", "parentPath": "Documents/日本語", "size": 9000, "modified": at}}},
		},
		"sharepoint": {
			{corsoPath{"root:", "Shared Documents"}, "02DEF.data", "budget.xlsx", map[string]any{"sharePoint": map[string]any{"itemType": 101, "itemName": "budget.xlsx", "driveName": "Documents", "size": 7000, "modified": at}}},
			{corsoPath{}, "list-1", "Tasks, \"Q4\"", map[string]any{"sharePoint": map[string]any{"itemType": 102, "itemName": "list-1", "list": map[string]any{"name": "Tasks, \"Q4\"", "itemCount": 3}, "modified": at}}},
		},
		"groups": {
			{corsoPath{"General"}, "msg-1", "Release plan", map[string]any{"groups": map[string]any{"itemType": 401, "message": map[string]any{"subject": "Release plan", "creator": "c@contoso.com", "createdAt": at, "size": 300, "replyCount": 2}, "modified": at}}},
		},
		"chats": {
			{corsoPath{}, "chat-1", "Lunch 🍕", map[string]any{"teamsChats": map[string]any{"itemType": 501, "chat": map[string]any{"name": "Lunch 🍕", "messageCount": 12}, "modified": at}}},
		},
	}

	var written []detailsWritten

	err := repo.WriteSession(ctx, dr, repo.WriteSessionOptions{Purpose: "compat details"}, func(ctx context.Context, w repo.RepositoryWriter) error {
		n := 0

		for _, service := range []string{"exchange", "onedrive", "sharepoint", "groups", "chats"} {
			n++
			id := fmt.Sprintf("de7a%04d-1f8f-4a5b-9d7e-6c1c2c5f3a10", n)
			prefix := corsoPath{"tenant-1", service, "resource-1", "category"}
			got := detailsWritten{BackupID: id, Service: service}

			// A folder's own entry comes first, as Corso writes it.
			entries := []map[string]any{entry(prefix, corsoPath{}, "folder", map[string]any{"folder": map[string]any{"itemType": 306, "displayName": "folder", "modified": at}})}

			for _, it := range services[service] {
				e := entry(prefix, it.folder, it.id, it.info)
				entries = append(entries, e)
				got.Items = append(got.Items, listedItem{Ref: e["shortRef"].(string), Name: it.name})

				if service == "onedrive" {
					entries = append(entries, entry(prefix, it.folder, it.id+".meta", map[string]any{"oneDrive": map[string]any{"itemType": 205, "isMeta": true, "itemName": it.name + ".meta"}}))
				}
			}

			body, err := json.Marshal(map[string]any{"entries": entries})
			if err != nil {
				return err
			}

			streamID, err := writeStreamStore(ctx, w, service, append([]byte{0, 0, 0, 1}, body...), at)
			if err != nil {
				return err
			}

			labels := map[string]string{"type": "BackupSchema", "stableID": id, "storeVersion": "1", "service": service, "backup-type": "merge-backup"}
			model := map[string]any{"ID": id, "creationTime": at, "snapshotID": "", "streamStoreID": string(streamID), "status": "Completed", "version": 9,
				"protectedResourceID": "resource-1", "protectedResourceName": "Resource One"}

			if _, err := w.PutManifest(ctx, labels, model); err != nil {
				return err
			}

			written = append(written, got)
		}

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	out, err := json.MarshalIndent(written, "", "  ")
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, detailsExpected), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeStreamStore uploads the stream store's tree with the fork's
// uploader, the way Corso's kopia wrapper does, and saves its snapshot.
func writeStreamStore(ctx context.Context, w repo.RepositoryWriter, service string, data []byte, at time.Time) (manifestID string, err error) {
	enc := func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
	file := virtualfs.StreamingFileWithModTimeFromReader(enc("details"), at, io.NopCloser(bytes.NewReader(data)))
	root := virtualfs.NewStaticDirectory(enc("tenant-1"), []fs.Entry{
		virtualfs.NewStaticDirectory(enc(service+"Metadata"), []fs.Entry{
			virtualfs.NewStaticDirectory(enc("details"), []fs.Entry{
				virtualfs.NewStaticDirectory(enc("details"), []fs.Entry{file}),
			}),
		}),
	})

	src := snapshot.SourceInfo{Host: service + "Metadatadetails", UserName: "tenant-1-resource-1", Path: root.Name()}

	man, err := snapshotfs.NewUploader(w).Upload(ctx, root, policy.BuildTree(nil, policy.DefaultPolicy), src)
	if err != nil {
		return "", err
	}

	id, err := snapshot.SaveSnapshot(ctx, w, man)

	return string(id), err
}
