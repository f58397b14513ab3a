// Package corsoconfig is the hand-off to the Corso CLI: it reads and writes
// the CLI's .corso.toml (Import, Export: storage keys only, never a secret)
// and builds the `corso repo connect` command for a saved repository
// (ConnectCommand), for shellcmd to render per shell.
//
// It runs in the window's process: it must never import kopia, the AWS SDK,
// the engines, or Fyne.
package corsoconfig
