// Package preflight proves a location before anything is written to it:
// for a folder, that it can be made private and written; for S3, the
// endpoint, bucket, region and every permission Corso needs, each with its
// own verdict, and a write probe that also learns whether the store honours
// conditional writes. It resolves credentials once (the open that follows
// reuses them), classifies what is at the location by kopia's exact blob
// names, and turns kopia, S3, TLS and file-system failures into repo.Error
// sentences.
//
// The kopia engine builds on it; it must never import kopiaengine,
// engineproto, library, corsoconfig, or Fyne.
package preflight
