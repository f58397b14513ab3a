package awsprofile

// The AWS shared files Names reads when no variable names them.
var (
	SharedConfigFile      = sharedConfigFile
	SharedCredentialsFile = sharedCredentialsFile
)
