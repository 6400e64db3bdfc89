// Package limits holds what AWS accepts that both the config loader and the AWS components check, so that nothing
// the config accepts is refused by a component after other resources were registered. It imports no SDK: the
// config package reads it without compiling the AWS provider's.
package limits

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// VolumeTypeMinGB is each EBS volume type the backbone's disks may use and its smallest size. io1 and io2 are left
// out: they need provisioned IOPS, which the config has no field for.
var VolumeTypeMinGB = map[string]int{"gp3": 1, "gp2": 1, "st1": 125, "sc1": 125}

// MaxVolumeGB is the largest EBS volume of these types.
const MaxVolumeGB = 16384

// VolumeTypes lists VolumeTypeMinGB's types, in the order error messages show them.
func VolumeTypes() []string {
	out := make([]string, 0, len(VolumeTypeMinGB))
	for t := range VolumeTypeMinGB {
		out = append(out, t)
	}
	// Smallest minimum first; of equal minimums the newer type first (gp3 before gp2, st1 before sc1).
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(VolumeTypeMinGB[a], VolumeTypeMinGB[b]), strings.Compare(b, a))
	})
	return out
}

// Automated RDS backups are kept this many days; 0 would turn them off (and point-in-time recovery with them).
const (
	MinBackupRetentionDays = 1
	MaxBackupRetentionDays = 35
)

// MaxBucketPrefixLength bounds an S3 bucket name prefix: the provider appends a 26-character unique suffix to a
// name of at most 63.
const MaxBucketPrefixLength = 37

// BucketPrefixPattern is an S3 bucket name prefix of at most MaxBucketPrefixLength characters.
var BucketPrefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,36}$`)

// ResourceName is the name the stack's AWS resources are derived from (the EKS cluster, the VPC, ...).
func ResourceName(stack string) string { return "digit-" + stack }

// FilestoreBucketPrefix is the prefix of the stack's filestore bucket.
func FilestoreBucketPrefix(stack string) string { return ResourceName(stack) + "-filestore" }

// Kubernetes versions of EKS clusters. DefaultKubernetesVersion is in EKS standard support on 2026-12-01;
// MinKubernetesMinor is the oldest minor still in (extended) support then: older ones are refused rather than
// created past their end of life. EKS upgrades a control plane one minor at a time.
const (
	DefaultKubernetesVersion = "1.34"
	MinKubernetesMinor       = 32
	MaxKubernetesMinor       = 39
)

// ControlPlaneLogRetentionDays is how long the EKS control plane's CloudWatch logs are kept (CIS EKS 2.1.1 wants
// them on; a year is the usual audit horizon).
const ControlPlaneLogRetentionDays = 365

// Tags. AWS takes at most MaxTagsPerResource per resource, keys of up to MaxTagKeyLength and values of up to
// MaxTagValueLength characters of TagPattern, and reserves the aws: prefix. The program puts up to
// OwnTagsPerResource tags of its own on one resource (project, stack, managed-by, Name, a subnet's
// kubernetes.io/cluster/<name> and kubernetes.io/role/<elb>, a disk's SnapshotTag, a QA stack's digit-qa), so a
// stack's digit:tags may hold MaxStackTags.
const (
	MaxTagsPerResource = 50
	MaxTagKeyLength    = 128
	MaxTagValueLength  = 256
	OwnTagsPerResource = 8
	MaxStackTags       = MaxTagsPerResource - OwnTagsPerResource
)

// TagPattern is what AWS accepts in a tag key or value: letters, digits, spaces and _ . : / = + - @.
var TagPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ReservedTagPrefixes cannot start a stack's tag key: aws: is AWS's own, and kubernetes.io/ tags tell EKS and the
// load-balancer controller which subnets belong to which cluster.
var ReservedTagPrefixes = []string{"aws:", "kubernetes.io/"}

// SnapshotTag marks the disks the backbone volumes' snapshot policy covers; a stack's tag of that name would move
// disks in or out of it.
const SnapshotTag = "digit/snapshots"

// What RDS for PostgreSQL accepts as a master password: 8 to 128 printable ASCII characters but these.
const (
	MinDBPasswordLength = 8
	MaxDBPasswordLength = 128
	DBPasswordForbidden = `/"@`
)

// How people and nodes authenticate to the EKS API (digit:clusterAccess).
const (
	// AuthenticationModeAPI is access entries only; the default. AuthenticationModeMigrating keeps the aws-auth
	// ConfigMap beside them: the step a cluster made with the ConfigMap alone (AuthenticationModeConfigMap, which
	// no stack may ask for) takes on its way to API, since EKS moves a cluster one step forward only.
	AuthenticationModeConfigMap = "CONFIG_MAP"
	AuthenticationModeMigrating = "API_AND_CONFIG_MAP"
	AuthenticationModeAPI       = "API"
	DefaultAuthenticationMode   = AuthenticationModeAPI
	// ClusterAdminPolicyArn is the EKS access policy digit:clusterAccess.admins get, on the whole cluster.
	ClusterAdminPolicyArn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
)

// AuthenticationModes are the modes in the order EKS moves a cluster through them; a stack may ask for the last two.
var AuthenticationModes = []string{AuthenticationModeConfigMap, AuthenticationModeMigrating, AuthenticationModeAPI}

// PrincipalArnPattern is the IAM role or user an access entry names (a path allowed; of any account, as a STANDARD
// entry may be). Not an STS session ARN: access entries name the role, not one session of it.
var PrincipalArnPattern = regexp.MustCompile(`^arn:aws:iam::\d{12}:(role|user)(/[A-Za-z0-9+=,.@_-]+)+$`)
