// Package infra defines the contract between the cloud layer and the service layer.
//
// Every cloud target (infra/aws, infra/existing, ...) turns the typed stack config into a Foundation; the service
// layer consumes only a Foundation and never knows which cloud produced it. Adding a cloud means adding one package
// whose Deploy function satisfies Layer.
package infra

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/stacks/config"
)

// Layer builds the cloud foundation for one target.
type Layer func(ctx *pulumi.Context, cfg *config.Config) (*Foundation, error)

// Foundation is what the cloud layer hands to the service layer.
type Foundation struct {
	// Target is the config target that produced this foundation ("aws", "existing").
	Target string

	// Kubeconfig for the Kubernetes provider, always a secret. Nil means the ambient kubeconfig
	// (KUBECONFIG / ~/.kube/config), which only the existing target may use.
	Kubeconfig pulumi.StringInput
	// ClusterName is informational (exported as an output).
	ClusterName pulumi.StringInput

	// Zones the workloads spread over, known at plan time (PV node affinity and topology spread need them).
	Zones []string

	// Database is the Postgres every DIGIT service connects to.
	Database Database

	// Storage says how backbone StatefulSets get their disks.
	Storage Storage

	// RegistryURL, when set, is the private registry (e.g. <account>.dkr.ecr.<region>.amazonaws.com) that image
	// names are prefixed with when the stack mirrors images. A plain string: image names are then known at preview
	// time and a diff shows the real image.
	RegistryURL string

	// Filestore is the object storage of egov-filestore, when the cloud provides one.
	Filestore *Filestore

	// LoadBalancerAnnotations are set on the ingress controller's LoadBalancer Service: how this cloud's load
	// balancer is to be made (AWS: an NLB; Azure: its health probe path).
	LoadBalancerAnnotations map[string]string

	// Capacity describes the node group, for the pre-deploy capacity check.
	Capacity NodeCapacity

	// ClusterReady lists the resources the workloads must wait for (node group, CNI and CSI add-ons), so that
	// Pods are not created before there is somewhere to schedule them.
	ClusterReady []pulumi.Resource
}

// Database is a Postgres connection. Password is always a Pulumi secret.
type Database struct {
	Host     pulumi.StringInput
	Port     pulumi.IntInput
	Name     pulumi.StringInput
	User     pulumi.StringInput
	Password pulumi.StringInput
}

// StorageMode selects static PersistentVolumes bound to cloud disks, or dynamic PVCs.
type StorageMode string

const (
	// StorageStatic binds each backbone replica to one pre-created cloud disk (its PersistentVolume names the disk
	// ID and pins the disk's zone).
	StorageStatic StorageMode = "static"
	// StorageDynamic lets the cluster's StorageClass provision the disks.
	StorageDynamic StorageMode = "dynamic"
)

// Storage describes backbone disks.
type Storage struct {
	Mode StorageMode
	// StorageClass is the class of dynamic PVCs, or the class name stamped on static PVs and their claims.
	StorageClass string
	// CSIDriver is the CSI driver of static volumes (e.g. ebs.csi.aws.com).
	CSIDriver string
	// FSType of static volumes.
	FSType string
	// Volumes by backbone role (kafka, zookeeper, elasticsearch-data, elasticsearch-master), one per replica, in
	// replica order. Empty in dynamic mode.
	Volumes map[string][]Volume
	// ZoneLabel is the node label that carries the zone (topology.kubernetes.io/zone by default, or the CSI
	// driver's own topology key for static volumes).
	ZoneLabel string
}

// Volume is one pre-created disk.
type Volume struct {
	ID     pulumi.StringInput
	Zone   string
	SizeGB int
}

// Filestore is object storage for egov-filestore. The image's storage client signs requests with a static key
// pair (it cannot use a workload identity), so the cloud layer hands over a key that can reach this bucket alone.
type Filestore struct {
	// Bucket is the bucket (S3) or container (Azure Blob) the files go to.
	Bucket pulumi.StringInput
	Region string
	// Endpoint is an S3-compatible endpoint URL ("" for the cloud's own object storage).
	Endpoint string
	// AccessKeyID and SecretAccessKey are the key pair (secrets); they fill the catalogue's filestore.* secret
	// providers.
	AccessKeyID     pulumi.StringInput
	SecretAccessKey pulumi.StringInput
	// ServiceAccountAnnotations go on egov-filestore's ServiceAccount: the cloud's workload identity (IRSA's
	// role ARN, Azure's client ID), for images that can use it.
	ServiceAccountAnnotations map[string]pulumi.StringInput
	// Env sets (or replaces) literal variables of the egov-filestore container: which of the image's storage
	// clients to use and its settings (Azure: ISAZURESTORAGEENABLED, AZURE_ACCOUNTNAME, ...). Never a secret.
	Env map[string]string
	// SecretEnv sets variables from the catalogue Secret key whose provider is named (catalogue.SecretProviders),
	// e.g. AZURE_ACCOUNTKEY from filestore.secretAccessKey: the value stays in the Secret.
	SecretEnv map[string]string
	// Outputs are this storage's stack outputs (e.g. filestoreRoleArn).
	Outputs map[string]pulumi.Input
}

// NodeCapacity is the schedulable shape of the node group.
type NodeCapacity struct {
	InstanceType     string
	Nodes            int
	PrefixDelegation bool
}

// Tags are the tags of every cloud resource a layer creates: the stack's digit:tags plus who manages it.
func Tags(cfg *config.Config) map[string]string {
	t := map[string]string{"project": cfg.Project, "stack": cfg.Stack, "managed-by": "pulumi"}
	for k, v := range cfg.Tags {
		t[k] = v
	}
	return t
}
