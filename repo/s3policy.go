package repo

import "fmt"

// The S3 actions a Corso repository needs, as in Corso's documentation.
const (
	ActionPutObject         = "s3:PutObject"
	ActionGetObject         = "s3:GetObject"
	ActionListBucket        = "s3:ListBucket"
	ActionDeleteObject      = "s3:DeleteObject"
	ActionGetBucketLocation = "s3:GetBucketLocation"
)

// PolicyJSON is the minimal IAM policy a Corso repository needs in bucket.
func PolicyJSON(bucket string) string {
	return fmt.Sprintf(`{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:PutObject",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:DeleteObject",
                "s3:GetBucketLocation"
            ],
            "Resource": [
                "arn:aws:s3:::%[1]s",
                "arn:aws:s3:::%[1]s/*"
            ]
        }
    ]
}`, bucket)
}

// Check line names, in the order they run.
const (
	LineCredentials = "Credentials"
	LineEndpoint    = "Endpoint"
	LineBucket      = "Bucket"
	LineRegion      = "Region"
	LineList        = "List objects"
	LineWrite       = "Write, read, delete"
)
