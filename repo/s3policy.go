package repo

import (
	"fmt"
	"strings"
)

// The S3 actions a Corso repository needs, as in Corso's documentation.
const (
	ActionPutObject         = "s3:PutObject"
	ActionGetObject         = "s3:GetObject"
	ActionListBucket        = "s3:ListBucket"
	ActionDeleteObject      = "s3:DeleteObject"
	ActionGetBucketLocation = "s3:GetBucketLocation"
)

// The actions object lock adds: reading the bucket's lock configuration,
// and setting (at write and when maintenance extends them) and reading an
// object's retention.
const (
	ActionGetBucketObjectLockConfiguration = "s3:GetBucketObjectLockConfiguration"
	ActionPutObjectRetention               = "s3:PutObjectRetention"
	ActionGetObjectRetention               = "s3:GetObjectRetention"
)

// The actions that remove what a bucket that keeps versions keeps: they
// are not needed, and where they are refused Corso Desktop says what
// stays.
const (
	ActionGetBucketVersioning = "s3:GetBucketVersioning"
	ActionListBucketVersions  = "s3:ListBucketVersions"
	ActionDeleteObjectVersion = "s3:DeleteObjectVersion"
)

// PolicyActions are the actions a repository needs; objectLock adds those
// an immutable repository needs.
func PolicyActions(objectLock bool) []string {
	actions := []string{ActionPutObject, ActionGetObject, ActionListBucket, ActionDeleteObject, ActionGetBucketLocation}
	if objectLock {
		actions = append(actions, ActionGetBucketObjectLockConfiguration, ActionPutObjectRetention, ActionGetObjectRetention)
	}

	return actions
}

// PolicyJSON is the minimal IAM policy a Corso repository needs in bucket.
func PolicyJSON(bucket string, objectLock bool) string {
	quoted := make([]string, 0, 8)
	for _, a := range PolicyActions(objectLock) {
		quoted = append(quoted, `"`+a+`"`)
	}

	return fmt.Sprintf(`{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                %[2]s
            ],
            "Resource": [
                "arn:aws:s3:::%[1]s",
                "arn:aws:s3:::%[1]s/*"
            ]
        }
    ]
}`, bucket, strings.Join(quoted, ",\n                "))
}

// Check line names, in the order they run.
const (
	LineCredentials = "Credentials"
	LineEndpoint    = "Endpoint"
	LineBucket      = "Bucket"
	LineRegion      = "Region"
	LineObjectLock  = "Object lock"
	LineList        = "List objects"
	LineWrite       = "Write, read, delete"
)
