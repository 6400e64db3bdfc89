// Package config is the typed stack configuration: every `digit:` key of Pulumi.<stack>.yaml, loaded and
// validated once, before any resource is registered, and then passed down explicitly.
package config

import (
	"github.com/digit-iac/digit/catalogue"
)

// Namespace is the config namespace of every key this program reads.
const Namespace = "digit"

// Target names a cloud layer implementation.
type Target string

const (
	TargetAWS      Target = "aws"
	TargetExisting Target = "existing"
)

// MaxParallel bounds digit:parallel (and the runner's --parallel): past it the engine only adds goroutines, as the
// provider's client throttles requests itself.
const MaxParallel = 256

// NatMode says how private subnets reach the internet.
type NatMode string

const (
	// NatSingle is one NAT gateway for all zones: cheap, but a zone outage cuts egress for all.
	NatSingle NatMode = "single"
	// NatPerZone is one NAT gateway per zone: what production wants.
	NatPerZone NatMode = "perZone"
)

// Config is the whole stack configuration.
type Config struct {
	Project string
	Stack   string

	// Target is digit:target.
	Target Target
	// AWS holds the AWS-only keys; zero unless Target is aws.
	AWS AWS
	// Existing holds the existing-cluster keys; zero unless Target is existing.
	Existing Existing
	// Cloud is the loaded section of the target (AWS or existingSection here; a plugged-in target's own type).
	Cloud Section
	// Database is digit:database (+ digit:dbPassword).
	Database Database
	// Volumes is digit:volumes: backbone disks by role.
	Volumes Volumes
	// Tags is digit:tags, applied to every taggable cloud resource (plus project/stack/managed-by tags).
	Tags map[string]string
	// Protect is digit:protect: protect (and retain) stateful resources.
	Protect bool
	// Parallel is digit:parallel: how many resource operations the engine runs at once (Cloud.DefaultParallel).
	Parallel int
	// CheckpointEveryStep is digit:checkpointEveryStep: the engine saves the state after every resource step
	// (Cloud.DefaultCheckpointEveryStep).
	CheckpointEveryStep bool
	// Registry is digit:registry.
	Registry Registry

	// Services holds the service-layer keys.
	Services Services

	// QA is digit:qa: set when the stack is a throw-away QA stack (`digit qa up`); nil otherwise.
	QA *QA
}

// QA describes a QA stack (see package qa).
type QA struct {
	// Name is the QA name: the stack is qa-<Name>.
	Name string
	// Prefix starts every namespace of the stack's service layer, and the name of its IngressClass.
	Prefix string
}

// QATagKey is the cloud tag naming the QA stack a resource belongs to.
const QATagKey = "digit-qa"

// AWS is the AWS cloud layer's configuration.
type AWS struct {
	Region  string
	Zones   []string
	VpcCidr string
	NatMode NatMode
	// VpcEndpoints is digit:vpcEndpoints: S3, ECR, STS and Logs endpoints inside the VPC.
	VpcEndpoints      bool
	NodeGroup         NodeGroup
	KubernetesVersion string
	EndpointAccess    EndpointAccess
	ClusterAccess     ClusterAccess
	Filestore         Filestore
	Bastion           Bastion
}

// NodeGroup is digit:nodeGroup.
type NodeGroup struct {
	InstanceType     string `json:"instanceType"`
	Desired          int    `json:"desired"`
	Min              int    `json:"min"`
	Max              int    `json:"max"`
	DiskSizeGB       int    `json:"diskSizeGb"`
	PrefixDelegation *bool  `json:"prefixDelegation"`
}

// EndpointAccess is digit:endpointAccess: who can reach the Kubernetes API.
type EndpointAccess struct {
	Public      *bool    `json:"public"`
	PublicCidrs []string `json:"publicCidrs"`
	Private     *bool    `json:"private"`
}

// ClusterAccess is digit:clusterAccess: how people and nodes authenticate to the Kubernetes API, and who
// administers it besides the principal that created the cluster.
type ClusterAccess struct {
	Mode   string   `json:"mode"`
	Admins []string `json:"admins"`
}

// Registry is digit:registry.
type Registry struct {
	// Repositories are created in the registry (ECR). Default: none.
	Repositories []string `json:"repositories"`
	// Mirror prefixes every image with the stack's registry URL (images must have been pushed there).
	Mirror bool `json:"mirror"`
	// URL is the registry to mirror from on target existing (on aws it is the stack's ECR registry).
	URL string `json:"url"`
}

// Filestore is digit:filestore: object storage for egov-filestore.
type Filestore struct {
	Enabled *bool `json:"enabled"`
}

// Bastion is digit:bastion.
type Bastion struct {
	Enabled      bool   `json:"enabled"`
	InstanceType string `json:"instanceType"`
}

// Existing is the existing-cluster target's configuration.
type Existing struct {
	// Kubeconfig is digit:kubeconfig (must be --secret); empty means the ambient kubeconfig.
	Kubeconfig Secret
	// APIServer is the server of Kubeconfig's current context, read once by the loader (nil without Kubeconfig).
	APIServer *APIServer
	// ClusterID is digit:clusterId: the UID of the kube-system namespace of the stack's cluster. When set, a
	// kubeconfig (given or ambient) of any other cluster is refused before anything is registered. "" disables
	// the check.
	ClusterID string
	// StorageClass is digit:storageClass, the class of the backbone's dynamic PVCs.
	StorageClass string
	// Zones is digit:zones: the zone label values of the cluster's nodes (optional).
	Zones []string
	// Nodes is digit:nodes: the cluster's node shape, for the capacity check.
	Nodes Nodes
	// ObjectStorage is digit:filestore on this target: the S3-compatible storage (MinIO, a cloud bucket) that
	// egov-filestore uses; its key pair comes from digit:secrets egov-filestore.
	ObjectStorage ObjectStorage
}

// ObjectStorage is an S3-compatible bucket egov-filestore writes to.
type ObjectStorage struct {
	Bucket   string `json:"bucket"`
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
}

// Nodes describes an existing cluster's schedulable nodes.
type Nodes struct {
	Count        int    `json:"count"`
	InstanceType string `json:"instanceType"`
	CPU          string `json:"cpu"`
	Memory       string `json:"memory"`
	Pods         int    `json:"pods"`
}

// Database is digit:database.
type Database struct {
	EngineVersion       string `json:"engineVersion"`
	InstanceClass       string `json:"instanceClass"`
	StorageGB           int    `json:"storageGb"`
	MaxStorageGB        int    `json:"maxStorageGb"`
	MultiAZ             bool   `json:"multiAz"`
	BackupRetentionDays *int   `json:"backupRetentionDays"`
	DeletionProtection  bool   `json:"deletionProtection"`
	FinalSnapshot       bool   `json:"finalSnapshot"`
	Name                string `json:"name"`
	User                string `json:"user"`
	// Host and Port: existing target only (the external Postgres).
	Host string `json:"host"`
	Port int    `json:"port"`
	// MaxConnections is the external Postgres' max_connections (existing target only): with it, the capacity
	// check verifies the services' connection budget (as digit:nodes enables the node check). Default: 0, unknown.
	MaxConnections int `json:"maxConnections"`

	// Password is digit:dbPassword. On AWS it may be empty: RDS then manages the master password.
	Password Secret `json:"-"`
}

// Volume is one backbone role's disks.
type Volume struct {
	Replicas int `json:"replicas"`
	SizeGB   int `json:"sizeGb"`
	// Type is the cloud's disk type; the target fills its default (aws: gp3) when the stack gives none.
	Type string `json:"type"`
}

// Volumes is digit:volumes.
type Volumes struct {
	Kafka               Volume `json:"kafka"`
	ElasticsearchData   Volume `json:"elasticsearchData"`
	ElasticsearchMaster Volume `json:"elasticsearchMaster"`
	Zookeeper           Volume `json:"zookeeper"`
}

// Roles returns the volumes keyed by the backbone role names the service layer uses.
func (v Volumes) Roles() map[string]Volume {
	return map[string]Volume{
		RoleKafka:               v.Kafka,
		RoleElasticsearchData:   v.ElasticsearchData,
		RoleElasticsearchMaster: v.ElasticsearchMaster,
		RoleZookeeper:           v.Zookeeper,
	}
}

// All returns the four roles' volumes, to change them in place.
func (v *Volumes) All() []*Volume {
	return []*Volume{&v.Kafka, &v.ElasticsearchData, &v.ElasticsearchMaster, &v.Zookeeper}
}

// Backbone role names shared by the volume outputs and the backbone StatefulSets.
const (
	RoleKafka               = "kafka"
	RoleElasticsearchData   = "elasticsearch-data"
	RoleElasticsearchMaster = "elasticsearch-master"
	RoleZookeeper           = "zookeeper"
)

// Services is the service layer's configuration.
type Services struct {
	// Domain is digit:domain; with it, Ingresses get that host and TLS through cert-manager.
	Domain string
	// TLSEmail is digit:tlsEmail, the ACME account email (required with a domain).
	TLSEmail string
	// TenantID is digit:tenantId, DIGIT's state-level tenant (default "pb").
	TenantID string
	// Timezone is digit:timezone (default Asia/Kolkata).
	Timezone string
	// RenderDir is digit:renderDir: write every manifest there instead of deploying.
	RenderDir string
	// ElasticsearchSysctl is digit:elasticsearchSysctl: a privileged init container raises vm.max_map_count for
	// Elasticsearch (default: on, except on a target whose nodes already set it: Cloud.NodesRaiseMaxMapCount).
	ElasticsearchSysctl bool
	// Catalogue is the default catalogue with digit:catalogue applied, validated.
	Catalogue *catalogue.Resolved
	// Secrets is digit:secrets: the values of the catalogue's Secrets the stack gives.
	Secrets ServiceSecrets
}

// Secret is a config value given with --secret. It never prints its value.
type Secret struct{ value string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the value; only for handing it to pulumi.ToSecret.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether a value was given.
func (s Secret) IsSet() bool { return s.value != "" }

func (s Secret) String() string   { return "[secret]" }
func (s Secret) GoString() string { return "[secret]" }

// PrefixDelegation reports whether the VPC CNI hands out /28 prefixes (default on).
func (n NodeGroup) PrefixDelegationEnabled() bool {
	return n.PrefixDelegation == nil || *n.PrefixDelegation
}

// PublicEnabled reports whether the API endpoint is public (default on).
func (e EndpointAccess) PublicEnabled() bool { return e.Public == nil || *e.Public }

// PrivateEnabled reports whether the API endpoint is reachable from the VPC (default on).
func (e EndpointAccess) PrivateEnabled() bool { return e.Private == nil || *e.Private }

// Enabled reports whether the filestore bucket is created (default on).
func (f Filestore) IsEnabled() bool { return f.Enabled == nil || *f.Enabled }
