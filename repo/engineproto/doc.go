// Package engineproto runs repo.Engine across a process boundary: Client
// is the engine of the release app (each operation in a corso-desktop-engine
// helper process next to it), and Serve is the helper's side, running one
// request on an engine it is handed. The two sides share one wire format
// (wire.go) with a version number; progress streams as it happens, closing
// the pipe cancels, and typed errors come back as they left.
//
// The window's process links this package, so it must never import kopia,
// the AWS SDK, preflight or kopiaengine; the helper's main wires
// kopiaengine into Serve.
package engineproto
