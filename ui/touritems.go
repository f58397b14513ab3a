package ui

import (
	"fmt"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// tourItems looks inside the newest backup of the tour's mailbox: its
// items with a search, then picked with the command copied, then compared
// with the backup the day before.
func (a *App) tourItems(e library.Entry, onUI func(func()), waitIdle func(), shot func(string) error) error {
	var (
		c             *repo.Contents
		newer, older  repo.Backup
		found, before bool
	)

	onUI(func() { c = a.contents[e.ID].result })

	for _, b := range c.Backups { // newest first
		if b.ResourceName == "Adele Vance" && b.StreamStoreID != "" {
			if !found {
				newer, found = b, true
			} else if !before {
				older, before = b, true
			}
		}
	}

	if !found || !before {
		return fmt.Errorf("the tour's repository has no two backups with items")
	}

	onUI(func() { a.openBackupItems(e, newer, c) })
	waitIdle()

	settled := func() error {
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			var done bool

			onUI(func() { done = a.items != nil && a.items.settled() })

			if done {
				return nil
			}

			if time.Now().After(deadline) {
				return fmt.Errorf("the items were not shown")
			}
		}
	}

	if err := settled(); err != nil {
		return err
	}

	onUI(func() { a.items.text.SetText("invoice") })

	if err := settled(); err != nil {
		return err
	}

	if err := shot("26-items"); err != nil {
		return err
	}

	onUI(func() {
		v := a.items
		v.text.SetText("")
		v.pick(repo.PickRequest{What: repo.PickFolder, Folder: []string{"Mail", "Inbox"}, On: true})
		v.pick(repo.PickRequest{What: repo.PickItem, Index: 1, On: true})
		v.copyCommand("restore")
	})

	if err := settled(); err != nil {
		return err
	}

	if err := shot("27-items-picked"); err != nil {
		return err
	}

	onUI(func() { a.items.compareWith(older) })
	waitIdle()

	return shot("28-compare")
}
