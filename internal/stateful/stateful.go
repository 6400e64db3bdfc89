// Package stateful names the resource types that hold data: replacing or deleting one loses what it holds. The
// runner refuses a plan that would (unless told to allow data loss), and the policy suite checks that every
// resource a stack protects is one of them, so a cloud added without its data types fails a test, not a user.
package stateful

import "github.com/digit-iac/digit/components/aws/limits"

// Types maps each data-holding resource type to what it holds, for the runner's refusal.
var Types = map[string]string{
	"aws:rds/instance:Instance":                "database",
	"aws:ebs/volume:Volume":                    "disk",
	"aws:s3/bucketV2:BucketV2":                 "bucket",
	"aws:s3/bucket:Bucket":                     "bucket",
	"aws:kms/key:Key":                          "encryption key",
	"aws:ecr/repository:Repository":            "image repository",
	"kubernetes:core/v1:PersistentVolume":      "PersistentVolume",
	"kubernetes:core/v1:PersistentVolumeClaim": "PersistentVolumeClaim",

	"azure-native:dbforpostgresql/v20230601preview:Server":   "database server",
	"azure-native:dbforpostgresql/v20230601preview:Database": "database",
	"azure-native:compute:Disk":                              "disk",
	"azure-native:storage:StorageAccount":                    "storage account",
	"azure-native:storage:BlobContainer":                     "bucket",
	// Deleting a resource group deletes everything in it.
	"azure-native:resources:ResourceGroup": "resource group",
}

// Sizes are the inputs that hold a size in GiB the cloud raises in place but never lowers, by type, as a dotted
// path. A plan that lowers one is refused before anything changes, instead of by the cloud halfway through an up.
// (A lowered claim needs no entry: the API server refuses it in the preview's dry run.)
var Sizes = map[string]string{
	"aws:ebs/volume:Volume":                                "size",
	"azure-native:compute:Disk":                            "diskSizeGB",
	"azure-native:dbforpostgresql/v20230601preview:Server": "storage.storageSizeGB",
}

// OneWay are the inputs the cloud moves one step forward through Steps and never back, by type: a plan that skips a
// step or goes back is refused before anything changes, instead of by the cloud halfway through an up.
var OneWay = map[string]OneWayInput{
	"aws:eks/cluster:Cluster": {Path: "accessConfig.authenticationMode", Steps: limits.AuthenticationModes,
		Unset: limits.AuthenticationModeConfigMap, Key: "digit:clusterAccess mode"},
}

// OneWayInput is one OneWay input: its dotted path, its steps in order, the step a resource made without it is on,
// and the config key that sets it.
type OneWayInput struct {
	Path  string
	Steps []string
	Unset string
	Key   string
}
