// Package compat proves Corso Desktop's repositories and the Corso CLI's are
// interchangeable, using the exact kopia fork Corso pins. It is its own
// module because that fork and Corso Desktop's kopia cannot share a build;
// the two hand repositories to each other on disk (see the Makefile).
package compat
