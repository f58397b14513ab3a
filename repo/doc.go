// Package repo is Corso Desktop's repository engine without a UI: storage
// settings and their validation, location checks, creating and connecting
// Corso-compatible kopia repositories, Corso config import and export, and
// the typed errors a UI turns into sentences.
//
// It builds two ways. Normally (tests, `make run`, the engine helper) the
// operations run in-process with kopia and the AWS SDK. With the
// remote_engine build tag (the app's release builds) the files that import
// them are left out and the same functions run each operation in the
// corso-desktop-engine helper next to the app (remote.go, engineclient.go,
// wire.go; the helper side is serve.go), so the window's process stays
// small. Everything else, including every type, is shared by both.
package repo
