package preflight

// ClassifyTransport is the classifier of network and TLS failures.
func ClassifyTransport(err error, location string) error {
	if e := classifyTransport(err, location); e != nil {
		return e
	}

	return nil
}
