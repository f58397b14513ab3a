package repo

// NewEngineClient is the client release builds use, for a helper at path.
func NewEngineClient(path string) engineClient { return engineClient{path: path} }

// The AWS shared files AWSProfiles reads when no variable names them.
var (
	SharedConfigFile      = sharedConfigFile
	SharedCredentialsFile = sharedCredentialsFile
)
