package kopiaengine

import (
	"strings"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// detailsEntry is the part of Corso's details.Entry (pkg/backup/details
// at v0.19.0) the view shows; JSON names are Corso's.
type detailsEntry struct {
	ShortRef    string `json:"shortRef"`
	LocationRef string `json:"locationRef"`

	Folder *struct {
		ItemType int `json:"itemType"`
	} `json:"folder"`
	Exchange *struct {
		ItemType    int       `json:"itemType"`
		Sender      string    `json:"sender"`
		Subject     string    `json:"subject"`
		ParentPath  string    `json:"parentPath"`
		Received    time.Time `json:"received"`
		EventStart  time.Time `json:"eventStart"`
		Organizer   string    `json:"organizer"`
		ContactName string    `json:"contactName"`
		Modified    time.Time `json:"modified"`
		Size        int64     `json:"size"`
	} `json:"exchange"`
	SharePoint *driveInfo `json:"sharePoint"`
	OneDrive   *driveInfo `json:"oneDrive"`
	Groups     *struct {
		driveInfo
		Message struct {
			CreatedAt time.Time `json:"createdAt"`
			Creator   string    `json:"creator"`
			Preview   string    `json:"preview"`
			Size      int64     `json:"size"`
			Subject   string    `json:"subject"`
		} `json:"message"`
		Post struct {
			CreatedAt time.Time `json:"createdAt"`
			Creator   string    `json:"creator"`
			Preview   string    `json:"preview"`
			Size      int64     `json:"size"`
			Topic     string    `json:"topic"`
		} `json:"post"`
	} `json:"groups"`
	TeamsChats *struct {
		ItemType int       `json:"itemType"`
		Modified time.Time `json:"modified"`
		Chat     struct {
			Name          string    `json:"name"`
			MessageCount  int       `json:"messageCount"`
			LastMessageAt time.Time `json:"lastMessageAt"`
			Preview       string    `json:"preview"`
		} `json:"chat"`
	} `json:"teamsChats"`
}

// driveInfo is what OneDriveInfo, SharePointInfo and GroupsInfo share.
type driveInfo struct {
	ItemType   int       `json:"itemType"`
	DriveName  string    `json:"driveName"`
	ItemName   string    `json:"itemName"`
	IsMeta     bool      `json:"isMeta"`
	Modified   time.Time `json:"modified"`
	Owner      string    `json:"owner"`
	ParentPath string    `json:"parentPath"`
	Size       int64     `json:"size"`
	List       *struct {
		Name string `json:"name"`
	} `json:"list"`
}

// Corso's ItemType numbers (pkg/backup/details/iteminfo.go).
const (
	corsoContact          = 1
	corsoEvent            = 2
	corsoMail             = 3
	corsoLibraryItem      = 101
	corsoList             = 102
	corsoPage             = 103
	corsoOneDriveItem     = 205
	corsoChannelMessage   = 401
	corsoConversationPost = 402
	corsoChat             = 501
)

// item is the entry as the view shows it and where it sits, or false for
// what `corso backup details` leaves out (folders, OneDrive .meta files;
// DetailsModel.Items).
func (e *detailsEntry) item() (repo.DetailItem, []string, bool) {
	it := repo.DetailItem{Ref: e.ShortRef}
	loc := splitCorsoPath(e.LocationRef)

	switch {
	case e.Folder != nil:
		return it, nil, false
	case e.Exchange != nil:
		x := e.Exchange
		it.Size, it.Modified, it.Name = x.Size, x.Modified, x.Subject

		switch x.ItemType {
		case corsoMail:
			it.Kind, it.By, it.Received = repo.KindMail, x.Sender, x.Received
			return it, append([]string{"Mail"}, loc...), true
		case corsoEvent:
			it.Kind, it.By, it.Received = repo.KindEvent, x.Organizer, x.EventStart
			return it, append([]string{"Calendars"}, loc...), true
		case corsoContact:
			it.Kind, it.Name = repo.KindContact, x.ContactName
			return it, append([]string{"Contacts"}, loc...), true
		}

		return it, append([]string{"Exchange"}, loc...), true
	case e.OneDrive != nil:
		if e.OneDrive.IsMeta {
			return it, nil, false
		}

		return e.OneDrive.driveItem(it, loc, nil)
	case e.SharePoint != nil:
		return e.SharePoint.driveItem(it, loc, []string{"Libraries"})
	case e.Groups != nil:
		g := e.Groups

		switch g.ItemType {
		case corsoChannelMessage:
			m := g.Message
			it.Kind, it.Name, it.By, it.Size, it.Received, it.Modified = repo.KindChannelMessage, orElse(m.Subject, m.Preview), m.Creator, m.Size, m.CreatedAt, g.Modified
			return it, append([]string{"Channels"}, loc...), true
		case corsoConversationPost:
			p := g.Post
			it.Kind, it.Name, it.By, it.Size, it.Received, it.Modified = repo.KindConversationPost, orElse(p.Topic, p.Preview), p.Creator, p.Size, p.CreatedAt, g.Modified
			return it, append([]string{"Conversations"}, loc...), true
		}

		return g.driveItem(it, loc, []string{"Libraries"})
	case e.TeamsChats != nil:
		c := e.TeamsChats
		// The CLI counts a chat's size in messages (ItemInfo.size).
		it.Kind, it.Name, it.Size, it.Modified, it.Received = repo.KindChat, orElse(c.Chat.Name, c.Chat.Preview), int64(c.Chat.MessageCount), c.Modified, c.Chat.LastMessageAt
		return it, append([]string{"Chats"}, loc...), true
	}

	return it, append([]string{"Other"}, loc...), true
}

// driveItem is a file of a drive (OneDrive, a site's or a team's
// library), a SharePoint list or page. A drive's folders come from the
// LocationRef, which starts with the drive's root ("root:").
func (d *driveInfo) driveItem(it repo.DetailItem, loc, top []string) (repo.DetailItem, []string, bool) {
	it.Name, it.By, it.Size, it.Modified = d.ItemName, d.Owner, d.Size, d.Modified

	switch d.ItemType {
	case corsoList:
		it.Kind = repo.KindListItem
		if d.List != nil && d.List.Name != "" {
			it.Name = d.List.Name
		}

		return it, append([]string{"Lists"}, loc...), true
	case corsoPage:
		it.Kind = repo.KindPage
		return it, append([]string{"Pages"}, loc...), true
	}

	it.Kind = repo.KindFile

	if len(loc) > 0 && loc[0] == "root:" {
		loc = loc[1:]
	}

	place := append(append([]string{}, top...), orElse(d.DriveName, "Drive"))

	return it, append(place, loc...), true
}

func orElse(s, other string) string {
	if s != "" {
		return s
	}

	return other
}

// splitCorsoPath splits a path Corso escaped (pkg/path: '\' before a '/'
// or '\' inside an element) into its elements.
func splitCorsoPath(p string) []string {
	if p == "" {
		return nil
	}

	var (
		out []string
		b   strings.Builder
	)

	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteByte(p[i])
		case c == '/':
			if b.Len() > 0 {
				out = append(out, b.String())
			}

			b.Reset()
		default:
			b.WriteByte(c)
		}
	}

	if b.Len() > 0 {
		out = append(out, b.String())
	}

	return out
}
