// Package repo is the vocabulary every part of Corso Desktop shares and the
// Engine interface the UI works through: location settings and their
// validation (Settings, Normalize), what a check reports (Report), what a
// connected repository is (Info), the secrets an operation needs, progress
// steps, and the typed errors (Error, FieldErrors) a UI turns into
// sentences.
//
// It is pure: no I/O, no network. Engines implement it (kopiaengine in
// this process, engineproto's client in the helper process); it must never
// import them, kopia, the AWS SDK, Fyne, or anything else of this module.
package repo
