//go:build !unix

package platform

// nonBlockFlag: opening a file never waits for a writer here.
const nonBlockFlag = 0
