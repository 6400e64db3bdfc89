package k8s

import (
	"fmt"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Backbone roles that own disks, the keys of BackboneStorage.Volumes.
const (
	RoleKafka               = "kafka"
	RoleZookeeper           = "zookeeper"
	RoleElasticsearchData   = "elasticsearch-data"
	RoleElasticsearchMaster = "elasticsearch-master"
)

// Storage modes of BackboneStorage.Mode.
const (
	StorageStatic  = "static"
	StorageDynamic = "dynamic"
)

// Object names DIGIT services and charts expect.
const (
	kafkaName    = "kafka-v2"
	zkName       = "zookeeper-v2"
	esMasterName = "elasticsearch-master-v1"
	esDataName   = "elasticsearch-data-v1"
	esClientName = "elasticsearch-client-v1"
	redisName    = "redis"
	connectName  = "kafka-connect"
	kibanaName   = "kibana-v1"
	curatorName  = "es-curator"
	dataVolume   = "data"
)

// Volume is one pre-created disk for static storage.
type Volume struct {
	// ID is the CSI volume handle (e.g. the EBS volume ID). Required.
	ID pulumi.StringInput
	// Zone the disk lives in; the PV pins its replica to it. Required.
	Zone string
	// SizeGB is the PV capacity in GiB, at least the role's VolumeSizeGB. Required.
	SizeGB int
}

// BackboneStorage says how backbone StatefulSets get disks.
type BackboneStorage struct {
	// Mode is "static" (one PV per replica, bound to a pre-created disk) or "dynamic" (the StorageClass
	// provisions). Default: "dynamic".
	Mode string
	// StorageClass of the claim templates; in static mode also stamped on the PVs so that only they can bind.
	// Required. In static mode the component creates it, with no provisioner (no disk is ever made behind the
	// program's back) and volume expansion allowed, so that a raised size grows the bound claims in place.
	StorageClass string
	// CSIDriver of static volumes, e.g. "ebs.csi.aws.com". Required in static mode.
	CSIDriver string
	// FSType of static volumes. Default: "ext4".
	FSType string
	// Volumes by role (RoleKafka, RoleZookeeper, RoleElasticsearchData, RoleElasticsearchMaster): exactly one per
	// replica, in replica order, for every enabled role. Static mode only.
	Volumes map[string][]Volume
}

// StatefulSetSpec sizes one stateful backbone role. Zero fields take the role's default (see BackboneArgs).
type StatefulSetSpec struct {
	// Enabled deploys the role. Default: false.
	Enabled bool
	// Namespace (must exist).
	Namespace string
	// Image with tag.
	Image string
	// Replicas of the StatefulSet.
	Replicas int
	// HeapOpts is the JVM heap (KAFKA_HEAP_OPTS or ES_JAVA_OPTS).
	HeapOpts string
	// CPURequest, CPULimit, MemoryRequest, MemoryLimit are Kubernetes quantities.
	CPURequest, CPULimit, MemoryRequest, MemoryLimit string
	// VolumeSizeGB is the size each replica's claim requests.
	VolumeSizeGB int
}

// KafkaTopics are Kafka's topic defaults.
type KafkaTopics struct {
	NumPartitions, ReplicationFactor, OffsetsReplicationFactor int
}

// DeploymentSpec sizes one stateless backbone role. Zero fields take the role's default (see BackboneArgs).
type DeploymentSpec struct {
	// Enabled deploys the role. Default: false.
	Enabled bool
	// Namespace (must exist).
	Namespace string
	// Image with tag.
	Image string
	// Replicas of the Deployment.
	Replicas int
	// HeapOpts is the JVM heap of Kafka Connect (KAFKA_HEAP_OPTS); ignored by the others.
	HeapOpts string
	// CPURequest, CPULimit, MemoryRequest, MemoryLimit are Kubernetes quantities.
	CPURequest, CPULimit, MemoryRequest, MemoryLimit string
}

// CuratorSpec configures the Elasticsearch Curator CronJob that deletes old log indices.
type CuratorSpec struct {
	// Enabled deploys the CronJob (needs ElasticsearchData). Default: false.
	Enabled bool
	// Namespace. Default: the ElasticsearchData namespace.
	Namespace string
	// Image. Default: "bobrik/curator:5.6.0".
	Image string
	// Schedule (cron, UTC). Default: "0 1 * * *".
	Schedule string
	// RetainDays: indices whose name date is older are deleted. Default: 7.
	RetainDays int
	// IndexPattern is the regex of indices Curator may delete. It must only match log/trace indices: DIGIT keeps
	// business data (property, trade licence, ...) in Elasticsearch too. Default:
	// "^(logstash|jaeger-span|jaeger-service)-.*$".
	IndexPattern string
}

// BackboneArgs describes the DIGIT backbone. Defaults per role (from the DIGIT AWS sample environment):
//
//	role                 namespace          image                                                  replicas heap               cpu req/lim  mem req/lim    disk
//	Kafka                kafka-cluster      confluentinc/cp-kafka:5.4.1                            3        -Xms704M -Xmx704M  500m/2       1408Mi/1408Mi  50
//	Zookeeper            zookeeper-cluster  confluentinc/cp-zookeeper:5.4.1                        3        -Xms256M -Xmx256M  300m/300m    384Mi/384Mi    2
//	ElasticsearchData    es-cluster         docker.elastic.co/elasticsearch/elasticsearch-oss:6.6.2 3      -Xmx1g -Xms1g      500m/2       2Gi/2Gi        25
//	ElasticsearchMaster  es-cluster         (same)                                                 3        -Xmx448m -Xms448m  300m/500m    896Mi/896Mi    2
//	Redis                backbone           redis:7.2.11                                           1        -                  50m/500m     128Mi/256Mi    -
//	KafkaConnect         kafka-cluster      confluentinc/cp-kafka-connect:5.4.1                    1        -Xms512M -Xmx512M  200m/1       1Gi/1Gi        -
//	Kibana               es-cluster         docker.elastic.co/kibana/kibana-oss:6.6.2              1        -                  100m/1       768Mi/768Mi    -
//
// The published Kafka sizing has a CPU limit (500m) below its request (2000m), which the apiserver rejects; the
// default swaps them.
type BackboneArgs struct {
	// Zones the cluster spans. When set, every static volume's zone must be one of them. Default: not checked.
	Zones []string
	// ZoneLabel is the node label of the zone (anti-affinity, PV node affinity). Default: "topology.kubernetes.io/zone".
	ZoneLabel string
	// Storage of the StatefulSets.
	Storage BackboneStorage
	// Kafka brokers (StatefulSet kafka-v2, Service kafka-v2:9092). Requires Zookeeper.
	Kafka StatefulSetSpec
	// KafkaTopics are the brokers' defaults for topics DIGIT creates on first use; replication factors are capped
	// at the broker count. Default: 3 partitions, replication 2, offsets replication 3.
	KafkaTopics KafkaTopics
	// Zookeeper ensemble (StatefulSet zookeeper-v2, Service zookeeper-v2:2181).
	Zookeeper StatefulSetSpec
	// ElasticsearchMaster nodes (StatefulSet elasticsearch-master-v1). Requires ElasticsearchData.
	ElasticsearchMaster StatefulSetSpec
	// ElasticsearchData nodes (StatefulSet elasticsearch-data-v1, Services elasticsearch-data-v1 and
	// elasticsearch-client-v1 on 9200). Requires ElasticsearchMaster.
	ElasticsearchData StatefulSetSpec
	// ElasticsearchSysctlInit adds a privileged init container setting vm.max_map_count=262144, which
	// Elasticsearch demands at start-up. Default: false, because a privileged container is refused by Pod Security
	// "baseline" and gives the Pod root on the node; set the sysctl on the nodes instead (node group user data) or
	// turn this on for clusters where that is not possible.
	ElasticsearchSysctlInit bool
	// Redis (Deployment and Service redis:6379). Cache only: no persistence.
	Redis DeploymentSpec
	// RedisPasswordSecret names the Secret in Redis's namespace whose key RedisPasswordKey Redis requires clients
	// to authenticate with (requirepass); clients read the same value from their own copy of the Secret. Default: ""
	// (no password: any pod Redis admits may read and write it).
	RedisPasswordSecret string
	// RedisPasswordKey is the key of RedisPasswordSecret holding the password: the one the clients' copies use, so
	// the caller names it. Required with RedisPasswordSecret.
	RedisPasswordKey string
	// RedisPassword, when given, is that Secret's value and the component creates the Secret; left nil with
	// RedisPasswordSecret set, the Secret must already exist (manifests rendered to files get it from their own
	// secret tooling). Requires RedisPasswordSecret.
	RedisPassword pulumi.StringInput
	// KafkaConnect (Deployment and Service kafka-connect:8083). Requires Kafka.
	KafkaConnect DeploymentSpec
	// Kibana (Deployment and Service kibana-v1:5601). Requires ElasticsearchData.
	Kibana DeploymentSpec
	// Curator deletes old log indices. Requires ElasticsearchData.
	Curator CuratorSpec
	// DependsOn are resources every child waits for (namespaces, the StorageClass, the node group). Default: none.
	DependsOn []pulumi.Resource
}

// Backbone is the `digit:k8s:Backbone` component.
type Backbone struct {
	pulumi.ResourceState

	// KafkaBrokers is "kafka-v2.<ns>:9092" (egov-config kafka-brokers); empty when Kafka is disabled.
	KafkaBrokers string
	// ZookeeperConnect is "zookeeper-v2.<ns>:2181"; empty when disabled.
	ZookeeperConnect string
	// ESHost is "elasticsearch-data-v1.<ns>" (egov-config es-host); empty when disabled.
	ESHost string
	// ESIndexerHost is "http://elasticsearch-data-v1.<ns>:9200/" (egov-config es-indexer-host); empty when disabled.
	ESIndexerHost string
	// RedisHost is "redis.<ns>" (egov-config redis-host, port 6379); empty when disabled.
	RedisHost string
	// KafkaConnectURL is "http://kafka-connect.<ns>:8083"; empty when disabled.
	KafkaConnectURL string
	// StatefulSets by role.
	StatefulSets map[string]*appsv1.StatefulSet
	// PersistentVolumes by role, in replica order (static mode only).
	PersistentVolumes map[string][]*corev1.PersistentVolume
	// ClaimSizes by role, in replica order: the patch that holds each replica's data claim at the role's
	// VolumeSizeGB, which is how a raised size reaches claims a StatefulSet's immutable template made.
	ClaimSizes map[string][]*corev1.PersistentVolumeClaimPatch
	// Redis is the Redis Deployment; nil when disabled.
	Redis *appsv1.Deployment
	// Ready are the StatefulSets and Deployments, for DependsOn of what needs the whole backbone up.
	Ready []pulumi.Resource
}

type resolvedBackbone struct {
	BackboneArgs
	static bool
}

func defaultSTS(s StatefulSetSpec, d StatefulSetSpec) StatefulSetSpec {
	if s.Namespace == "" {
		s.Namespace = d.Namespace
	}
	if s.Image == "" {
		s.Image = d.Image
	}
	if s.Replicas == 0 {
		s.Replicas = d.Replicas
	}
	if s.HeapOpts == "" {
		s.HeapOpts = d.HeapOpts
	}
	r := Resources{s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit}.withDefaults(
		Resources{d.CPURequest, d.CPULimit, d.MemoryRequest, d.MemoryLimit})
	s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit = r.CPURequest, r.CPULimit, r.MemoryRequest, r.MemoryLimit
	if s.VolumeSizeGB == 0 {
		s.VolumeSizeGB = d.VolumeSizeGB
	}
	return s
}

func defaultDeploy(s DeploymentSpec, d DeploymentSpec) DeploymentSpec {
	if s.Namespace == "" {
		s.Namespace = d.Namespace
	}
	if s.Image == "" {
		s.Image = d.Image
	}
	if s.Replicas == 0 {
		s.Replicas = d.Replicas
	}
	if s.HeapOpts == "" {
		s.HeapOpts = d.HeapOpts
	}
	r := Resources{s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit}.withDefaults(
		Resources{d.CPURequest, d.CPULimit, d.MemoryRequest, d.MemoryLimit})
	s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit = r.CPURequest, r.CPULimit, r.MemoryRequest, r.MemoryLimit
	return s
}

func (s StatefulSetSpec) resources() Resources {
	return Resources{s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit}
}

func (s DeploymentSpec) resources() Resources {
	return Resources{s.CPURequest, s.CPULimit, s.MemoryRequest, s.MemoryLimit}
}

func (a *BackboneArgs) resolve() (*resolvedBackbone, error) {
	r := &resolvedBackbone{BackboneArgs: *a}
	b := &r.BackboneArgs
	var e errs

	b.Kafka = defaultSTS(b.Kafka, StatefulSetSpec{Namespace: "kafka-cluster", Image: "confluentinc/cp-kafka:5.4.1", Replicas: 3,
		HeapOpts: "-Xms704M -Xmx704M", CPURequest: "500m", CPULimit: "2", MemoryRequest: "1408Mi", MemoryLimit: "1408Mi", VolumeSizeGB: 50})
	b.Zookeeper = defaultSTS(b.Zookeeper, StatefulSetSpec{Namespace: "zookeeper-cluster", Image: "confluentinc/cp-zookeeper:5.4.1", Replicas: 3,
		HeapOpts: "-Xms256M -Xmx256M", CPURequest: "300m", CPULimit: "300m", MemoryRequest: "384Mi", MemoryLimit: "384Mi", VolumeSizeGB: 2})
	b.ElasticsearchData = defaultSTS(b.ElasticsearchData, StatefulSetSpec{Namespace: "es-cluster", Image: "docker.elastic.co/elasticsearch/elasticsearch-oss:6.6.2",
		Replicas: 3, HeapOpts: "-Xmx1g -Xms1g", CPURequest: "500m", CPULimit: "2", MemoryRequest: "2Gi", MemoryLimit: "2Gi", VolumeSizeGB: 25})
	b.ElasticsearchMaster = defaultSTS(b.ElasticsearchMaster, StatefulSetSpec{Namespace: "es-cluster", Image: "docker.elastic.co/elasticsearch/elasticsearch-oss:6.6.2",
		Replicas: 3, HeapOpts: "-Xmx448m -Xms448m", CPURequest: "300m", CPULimit: "500m", MemoryRequest: "896Mi", MemoryLimit: "896Mi", VolumeSizeGB: 2})
	b.Redis = defaultDeploy(b.Redis, DeploymentSpec{Namespace: "backbone", Image: "redis:7.2.11", Replicas: 1,
		CPURequest: "50m", CPULimit: "500m", MemoryRequest: "128Mi", MemoryLimit: "256Mi"})
	b.KafkaConnect = defaultDeploy(b.KafkaConnect, DeploymentSpec{Namespace: "kafka-cluster", Image: "confluentinc/cp-kafka-connect:5.4.1", Replicas: 1,
		HeapOpts: "-Xms512M -Xmx512M", CPURequest: "200m", CPULimit: "1", MemoryRequest: "1Gi", MemoryLimit: "1Gi"})
	b.Kibana = defaultDeploy(b.Kibana, DeploymentSpec{Namespace: "es-cluster", Image: "docker.elastic.co/kibana/kibana-oss:6.6.2", Replicas: 1,
		CPURequest: "100m", CPULimit: "1", MemoryRequest: "768Mi", MemoryLimit: "768Mi"})
	if b.Curator.Namespace == "" {
		b.Curator.Namespace = b.ElasticsearchData.Namespace
	}
	t := &b.KafkaTopics
	for _, f := range []struct {
		v   *int
		def int
		at  string
	}{{&t.NumPartitions, 3, "KafkaTopics.NumPartitions"}, {&t.ReplicationFactor, 2, "KafkaTopics.ReplicationFactor"},
		{&t.OffsetsReplicationFactor, 3, "KafkaTopics.OffsetsReplicationFactor"}} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < 1 {
			e.add(f.at, "%d must be at least 1", *f.v)
		}
	}
	if b.Curator.Image == "" {
		b.Curator.Image = "bobrik/curator:5.6.0"
	}
	if b.Curator.Schedule == "" {
		b.Curator.Schedule = "0 1 * * *"
	}
	if b.Curator.RetainDays == 0 {
		b.Curator.RetainDays = 7
	}
	if b.Curator.IndexPattern == "" {
		b.Curator.IndexPattern = "^(logstash|jaeger-span|jaeger-service)-.*$"
	}
	if b.ZoneLabel == "" {
		b.ZoneLabel = DefaultZoneLabel
	}

	stss := []struct {
		field, role string
		spec        StatefulSetSpec
	}{
		{"Kafka", RoleKafka, b.Kafka},
		{"Zookeeper", RoleZookeeper, b.Zookeeper},
		{"ElasticsearchData", RoleElasticsearchData, b.ElasticsearchData},
		{"ElasticsearchMaster", RoleElasticsearchMaster, b.ElasticsearchMaster},
	}
	anySTS := false
	for _, s := range stss {
		if !s.spec.Enabled {
			continue
		}
		anySTS = true
		e.dnsLabel(s.field+".Namespace", s.spec.Namespace)
		e.image(s.field+".Image", s.spec.Image)
		if s.spec.Replicas < 1 {
			e.add(s.field+".Replicas", "%d must be at least 1", s.spec.Replicas)
		}
		e.resources(s.field+".", s.spec.resources())
		if s.spec.VolumeSizeGB < 1 {
			e.add(s.field+".VolumeSizeGB", "%d must be at least 1", s.spec.VolumeSizeGB)
		}
	}
	deps := []struct {
		field string
		spec  DeploymentSpec
	}{{"Redis", b.Redis}, {"KafkaConnect", b.KafkaConnect}, {"Kibana", b.Kibana}}
	for _, d := range deps {
		if !d.spec.Enabled {
			continue
		}
		e.dnsLabel(d.field+".Namespace", d.spec.Namespace)
		e.image(d.field+".Image", d.spec.Image)
		if d.spec.Replicas < 1 {
			e.add(d.field+".Replicas", "%d must be at least 1", d.spec.Replicas)
		}
		e.resources(d.field+".", d.spec.resources())
	}
	if c := b.Curator; c.Enabled {
		e.dnsLabel("Curator.Namespace", c.Namespace)
		e.image("Curator.Image", c.Image)
		if len(strings.Fields(c.Schedule)) != 5 {
			e.add("Curator.Schedule", "%q is not a 5-field cron schedule", c.Schedule)
		}
		if c.RetainDays < 1 {
			e.add("Curator.RetainDays", "%d must be at least 1", c.RetainDays)
		}
		if !strings.HasPrefix(c.IndexPattern, "^") {
			e.add("Curator.IndexPattern", "%q must be anchored with ^ so that it cannot match business indices by accident", c.IndexPattern)
		}
	}
	requires := func(on bool, field string, dep bool, depField string) {
		if on && !dep {
			e.add(field+".Enabled", "requires %s.Enabled", depField)
		}
	}
	if b.RedisPassword != nil && b.RedisPasswordSecret == "" {
		e.add("RedisPassword", "requires RedisPasswordSecret (the Secret it is kept in)")
	}
	if b.RedisPasswordSecret != "" {
		e.dnsSubdomain("RedisPasswordSecret", b.RedisPasswordSecret)
		if msgs := validation.IsConfigMapKey(b.RedisPasswordKey); len(msgs) > 0 {
			e.add("RedisPasswordKey", "%q is not a Secret key: %s", b.RedisPasswordKey, strings.Join(msgs, "; "))
		}
	} else if b.RedisPasswordKey != "" {
		e.add("RedisPasswordKey", "requires RedisPasswordSecret (the Secret it is a key of)")
	}
	requires(b.Kafka.Enabled, "Kafka", b.Zookeeper.Enabled, "Zookeeper")
	requires(b.KafkaConnect.Enabled, "KafkaConnect", b.Kafka.Enabled, "Kafka")
	requires(b.ElasticsearchData.Enabled, "ElasticsearchData", b.ElasticsearchMaster.Enabled, "ElasticsearchMaster")
	requires(b.ElasticsearchMaster.Enabled, "ElasticsearchMaster", b.ElasticsearchData.Enabled, "ElasticsearchData")
	requires(b.Kibana.Enabled, "Kibana", b.ElasticsearchData.Enabled, "ElasticsearchData")
	requires(b.Curator.Enabled, "Curator", b.ElasticsearchData.Enabled, "ElasticsearchData")

	zones := map[string]bool{}
	for i, z := range b.Zones {
		if z == "" {
			e.add(fmt.Sprintf("Zones[%d]", i), "empty")
		}
		zones[z] = true
	}
	st := &b.Storage
	if st.Mode == "" {
		st.Mode = StorageDynamic
	}
	if st.FSType == "" {
		st.FSType = "ext4"
	}
	switch st.Mode {
	case StorageStatic:
		r.static = true
	case StorageDynamic:
		if len(st.Volumes) > 0 {
			e.add("Storage.Volumes", "only used in static mode (Storage.Mode is dynamic)")
		}
	default:
		e.add("Storage.Mode", "%q is not one of static, dynamic", st.Mode)
	}
	if anySTS {
		if st.StorageClass == "" {
			e.add("Storage.StorageClass", "required")
		} else {
			e.dnsSubdomain("Storage.StorageClass", st.StorageClass)
		}
		if r.static && st.CSIDriver == "" {
			e.add("Storage.CSIDriver", "required in static mode")
		}
	}
	if r.static {
		enabled := map[string]StatefulSetSpec{}
		for _, s := range stss {
			if s.spec.Enabled {
				enabled[s.role] = s.spec
			}
		}
		for _, role := range sortedKeys(st.Volumes) {
			if _, ok := enabled[role]; !ok {
				known := role == RoleKafka || role == RoleZookeeper || role == RoleElasticsearchData || role == RoleElasticsearchMaster
				if known {
					e.add("Storage.Volumes["+role+"]", "role %s is not enabled: these disks would be unused", role)
				} else {
					e.add("Storage.Volumes["+role+"]", "unknown role (one of kafka, zookeeper, elasticsearch-data, elasticsearch-master)")
				}
			}
		}
		for _, s := range stss {
			if !s.spec.Enabled {
				continue
			}
			vols := st.Volumes[s.role]
			f := "Storage.Volumes[" + s.role + "]"
			if len(vols) != s.spec.Replicas {
				e.add(f, "%d volumes for %d %s replicas: static storage needs exactly one volume per replica",
					len(vols), s.spec.Replicas, s.role)
			}
			for i, v := range vols {
				vf := fmt.Sprintf("%s[%d]", f, i)
				if v.ID == nil {
					e.add(vf+".ID", "required")
				}
				switch {
				case v.Zone == "":
					e.add(vf+".Zone", "required")
				case len(zones) > 0 && !zones[v.Zone]:
					e.add(vf+".Zone", "%q is not one of Zones %v", v.Zone, b.Zones)
				}
				if v.SizeGB < s.spec.VolumeSizeGB {
					e.add(vf+".SizeGB", "%d is smaller than %s.VolumeSizeGB %d (the claim could not bind)", v.SizeGB, s.field, s.spec.VolumeSizeGB)
				}
			}
		}
	}
	if err := e.err("Backbone"); err != nil {
		return nil, err
	}
	return r, nil
}

// stsPlan is what differs between the four stateful roles; statefulSet builds the objects they share.
type stsPlan struct {
	role, name     string
	component      string
	spec           StatefulSetSpec
	ports          []namedPort
	clientServices []clientService
	env            corev1.EnvVarArray
	command        []string
	dataPath       string
	readiness      *corev1.ProbeArgs
	liveness       *corev1.ProbeArgs
	nonRootUser    int // 0 = image starts as root
	initContainers corev1.ContainerArray
}

type namedPort struct {
	name string
	port int
}

type clientService struct {
	name  string
	ports []namedPort
}

func servicePorts(ps []namedPort) corev1.ServicePortArray {
	var out corev1.ServicePortArray
	for _, p := range ps {
		out = append(out, corev1.ServicePortArgs{
			Name: pulumi.String(p.name), Port: pulumi.Int(p.port), TargetPort: pulumi.String(p.name), Protocol: pulumi.String("TCP"),
		})
	}
	return out
}

func containerPorts(ps []namedPort) corev1.ContainerPortArray {
	var out corev1.ContainerPortArray
	for _, p := range ps {
		out = append(out, corev1.ContainerPortArgs{Name: pulumi.String(p.name), ContainerPort: pulumi.Int(p.port), Protocol: pulumi.String("TCP")})
	}
	return out
}

type backboneBuilder struct {
	ctx  *pulumi.Context
	name string
	comp *Backbone
	r    *resolvedBackbone
	// storageClass is the static class (nil in dynamic mode), which a claim's expansion needs.
	storageClass pulumi.Resource
}

func (b *backboneBuilder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return childOpts(b.comp, b.r.DependsOn, extra...)
}

func (b *backboneBuilder) statefulSet(p stsPlan) error {
	ctx, a := b.ctx, b.r
	ns := p.spec.Namespace
	l := appLabels{name: p.name, instance: p.name, version: imageTag(p.spec.Image), component: p.component}
	sel := l.selector()
	headless := p.name + "-headless"

	// Static: replica i's claim data-<sts>-<i> is pre-bound to the PV of disk i, whose node affinity pins the
	// replica to the disk's zone. The StatefulSet waits for the PVs, so no claim ever exists without its volume
	// (a provisioner behind the class could otherwise create a fresh disk first).
	var pvs []pulumi.Resource
	if b.r.static {
		for i, v := range a.Storage.Volumes[p.role] {
			claim := claimName(p.name, i)
			pvName := fmt.Sprintf("%s-%s", ns, claim)
			pv, err := corev1.NewPersistentVolume(ctx, b.name+"-"+pvName, &corev1.PersistentVolumeArgs{
				Metadata: l.meta(pvName, ""),
				Spec: &corev1.PersistentVolumeSpecArgs{
					Capacity:                      pulumi.StringMap{"storage": pulumi.String(fmt.Sprintf("%dGi", v.SizeGB))},
					AccessModes:                   pulumi.StringArray{pulumi.String("ReadWriteOnce")},
					PersistentVolumeReclaimPolicy: pulumi.String("Retain"),
					StorageClassName:              pulumi.String(a.Storage.StorageClass),
					VolumeMode:                    pulumi.String("Filesystem"),
					Csi: &corev1.CSIPersistentVolumeSourceArgs{
						Driver:       pulumi.String(a.Storage.CSIDriver),
						VolumeHandle: v.ID,
						FsType:       pulumi.String(a.Storage.FSType),
					},
					ClaimRef: &corev1.ObjectReferenceArgs{
						ApiVersion: pulumi.String("v1"),
						Kind:       pulumi.String("PersistentVolumeClaim"),
						Namespace:  pulumi.String(ns),
						Name:       pulumi.String(claim),
					},
					NodeAffinity: &corev1.VolumeNodeAffinityArgs{Required: &corev1.NodeSelectorArgs{
						NodeSelectorTerms: corev1.NodeSelectorTermArray{corev1.NodeSelectorTermArgs{
							MatchExpressions: corev1.NodeSelectorRequirementArray{corev1.NodeSelectorRequirementArgs{
								Key: pulumi.String(a.ZoneLabel), Operator: pulumi.String("In"), Values: pulumi.StringArray{pulumi.String(v.Zone)},
							}},
						}},
					}},
				},
			}, b.opts()...)
			if err != nil {
				return err
			}
			pvs = append(pvs, pv)
			b.comp.PersistentVolumes[p.role] = append(b.comp.PersistentVolumes[p.role], pv)
		}
	}

	// Peers must find each other before they are Ready (ZooKeeper quorum, ES master election).
	if _, err := corev1.NewService(ctx, b.name+"-"+headless, &corev1.ServiceArgs{
		Metadata: clusterService(l.meta(headless, ns)),
		Spec: &corev1.ServiceSpecArgs{
			ClusterIP:                pulumi.String("None"),
			PublishNotReadyAddresses: pulumi.Bool(true),
			Selector:                 sel,
			Ports:                    servicePorts(p.ports),
		},
	}, b.opts()...); err != nil {
		return err
	}
	for _, cs := range p.clientServices {
		if _, err := corev1.NewService(ctx, b.name+"-"+cs.name, &corev1.ServiceArgs{
			Metadata: clusterService(l.meta(cs.name, ns)),
			Spec: &corev1.ServiceSpecArgs{
				Type:     pulumi.String("ClusterIP"),
				Selector: sel,
				Ports:    servicePorts(cs.ports),
			},
		}, b.opts()...); err != nil {
			return err
		}
	}

	podSec := podSecurity(p.nonRootUser, p.nonRootUser != 0)
	cSec := rootContainer()
	if p.nonRootUser != 0 {
		cSec = restrictedContainer()
	}
	container := corev1.ContainerArgs{
		Name:            pulumi.String(p.role),
		Image:           pulumi.String(p.spec.Image),
		Ports:           containerPorts(p.ports),
		Env:             p.env,
		Resources:       p.spec.resources().args(),
		ReadinessProbe:  p.readiness,
		LivenessProbe:   p.liveness,
		SecurityContext: cSec,
		VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
			Name: pulumi.String(dataVolume), MountPath: pulumi.String(p.dataPath),
		}},
	}
	if len(p.command) > 0 {
		container.Command = pulumi.ToStringArray(p.command)
	}
	podSpec := corev1.PodSpecArgs{
		// Confluent images derive their config from KAFKA_*/ZOOKEEPER_* variables; service links would add
		// colliding ones (a Service "kafka" yields KAFKA_PORT=tcp://...).
		EnableServiceLinks:           pulumi.Bool(false),
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext:              podSec,
		Containers:                   corev1.ContainerArray{container},
		Affinity:                     spreadAffinity(a.ZoneLabel, sel),
		// Empty when there are none: the SDK sends a nil array as absent.
		InitContainers: p.initContainers,
	}

	sts, err := appsv1.NewStatefulSet(ctx, b.name+"-"+p.name, &appsv1.StatefulSetArgs{
		Metadata: l.meta(p.name, ns),
		Spec: &appsv1.StatefulSetSpecArgs{
			ServiceName: pulumi.String(headless),
			Replicas:    pulumi.Int(p.spec.Replicas),
			// Members of an ensemble or cluster wait for each other, so start them together.
			PodManagementPolicy: pulumi.String("Parallel"),
			Selector:            &metav1.LabelSelectorArgs{MatchLabels: sel},
			UpdateStrategy:      &appsv1.StatefulSetUpdateStrategyArgs{Type: pulumi.String("RollingUpdate")},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
				Spec:     podSpec,
			},
			VolumeClaimTemplates: corev1.PersistentVolumeClaimTypeArray{corev1.PersistentVolumeClaimTypeArgs{
				// Claim templates are immutable: only stable labels go here, never the version.
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(dataVolume), Labels: l.stable()},
				Spec: &corev1.PersistentVolumeClaimSpecArgs{
					AccessModes:      pulumi.StringArray{pulumi.String("ReadWriteOnce")},
					StorageClassName: pulumi.String(a.Storage.StorageClass),
					Resources: &corev1.VolumeResourceRequirementsArgs{
						Requests: pulumi.StringMap{"storage": pulumi.String(fmt.Sprintf("%dGi", p.spec.VolumeSizeGB))},
					},
				},
			}},
		},
	}, b.opts(pulumi.DependsOn(pvs),
		// The claim templates are immutable, so a raised size (or any change there) would replace the StatefulSet
		// and restart every replica at once, while the claims it made kept their old size. The template only
		// seeds a new replica's claim; claimSizes below grows every claim in place.
		pulumi.IgnoreChanges([]string{"spec.volumeClaimTemplates"}))...)
	if err != nil {
		return err
	}
	b.comp.StatefulSets[p.role] = sts
	b.comp.Ready = append(b.comp.Ready, sts)
	if err := b.claimSizes(p, l, sts); err != nil {
		return err
	}

	_, err = policyv1.NewPodDisruptionBudget(ctx, b.name+"-"+p.name, &policyv1.PodDisruptionBudgetArgs{
		Metadata: l.meta(p.name, ns),
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: pulumi.Int(1),
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: sel},
		},
	}, b.opts()...)
	return err
}

// claimName is the claim the StatefulSet controller makes for replica i from the "data" template.
func claimName(sts string, i int) string { return fmt.Sprintf("%s-%s-%d", dataVolume, sts, i) }

// staticStorageClass creates the class stamped on static PVs and their claims. The API server grows a claim only if
// its class exists and allows expansion; the CSI driver's resizer then grows the disk's filesystem.
func (b *backboneBuilder) staticStorageClass() error {
	st := b.r.Storage
	l := appLabels{name: st.StorageClass, instance: b.name, component: "storage"}
	sc, err := storagev1.NewStorageClass(b.ctx, b.name+"-"+st.StorageClass, &storagev1.StorageClassArgs{
		Metadata: l.stableMeta(st.StorageClass, ""),
		// Static PVs are made by the program only; a claim that matched none must stay Pending, not get a disk.
		Provisioner:          pulumi.String("kubernetes.io/no-provisioner"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Retain"),
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.storageClass = sc
	return nil
}

// claimSizes holds each replica's data claim (data-<sts>-<i>, made by the StatefulSet controller from the
// template) at the role's size by server-side apply. Raising VolumeSizeGB then grows the claims in place; the API
// server refuses a shrink. The patch waits for the StatefulSet (whose rollout wait means every claim exists) and
// is retained on delete, so scaling down or dropping it never touches a claim.
func (b *backboneBuilder) claimSizes(p stsPlan, l appLabels, sts *appsv1.StatefulSet) error {
	deps := []pulumi.Resource{sts}
	if b.storageClass != nil {
		deps = append(deps, b.storageClass)
	}
	size := pulumi.String(fmt.Sprintf("%dGi", p.spec.VolumeSizeGB))
	for i := 0; i < p.spec.Replicas; i++ {
		claim := claimName(p.name, i)
		patch, err := corev1.NewPersistentVolumeClaimPatch(b.ctx, b.name+"-"+p.spec.Namespace+"-"+claim,
			&corev1.PersistentVolumeClaimPatchArgs{
				Metadata: &metav1.ObjectMetaPatchArgs{
					Name: pulumi.String(claim), Namespace: pulumi.String(p.spec.Namespace), Labels: l.stable(),
					// The StatefulSet controller wrote the size when it made the claim; the patch takes it over.
					// No wait: the provider waits for a claim of a WaitForFirstConsumer class to be Pending, which a
					// bound one never is again, and an expansion ends on the node, after the up.
					Annotations: pulumi.StringMap{PatchForceAnnotation: pulumi.String("true"), SkipAwaitAnnotation: pulumi.String("true")},
				},
				Spec: &corev1.PersistentVolumeClaimSpecPatchArgs{
					Resources: &corev1.VolumeResourceRequirementsPatchArgs{Requests: pulumi.StringMap{"storage": size}},
				},
			}, b.opts(pulumi.DependsOn(deps), pulumi.RetainOnDelete(true))...)
		if err != nil {
			return err
		}
		b.comp.ClaimSizes[p.role] = append(b.comp.ClaimSizes[p.role], patch)
	}
	return nil
}

// spreadAffinity prefers one replica per zone, then per node. Preferred, not required: a cluster with fewer zones
// than replicas (or the local 3-zone test cluster during a node loss) must still schedule every replica.
func spreadAffinity(zoneLabel string, sel pulumi.StringMap) *corev1.AffinityArgs {
	term := func(weight int, key string) corev1.WeightedPodAffinityTermArgs {
		return corev1.WeightedPodAffinityTermArgs{
			Weight: pulumi.Int(weight),
			PodAffinityTerm: corev1.PodAffinityTermArgs{
				TopologyKey:   pulumi.String(key),
				LabelSelector: &metav1.LabelSelectorArgs{MatchLabels: sel},
			},
		}
	}
	return &corev1.AffinityArgs{PodAntiAffinity: &corev1.PodAntiAffinityArgs{
		PreferredDuringSchedulingIgnoredDuringExecution: corev1.WeightedPodAffinityTermArray{
			term(100, zoneLabel), term(50, "kubernetes.io/hostname"),
		},
	}}
}

// NewBackbone deploys the enabled backbone roles.
func NewBackbone(ctx *pulumi.Context, name string, args *BackboneArgs, opts ...pulumi.ResourceOption) (*Backbone, error) {
	if args == nil {
		args = &BackboneArgs{}
	}
	r, err := args.resolve()
	if err != nil {
		return nil, err
	}
	a := &r.BackboneArgs
	comp := &Backbone{
		StatefulSets:      map[string]*appsv1.StatefulSet{},
		PersistentVolumes: map[string][]*corev1.PersistentVolume{},
		ClaimSizes:        map[string][]*corev1.PersistentVolumeClaimPatch{},
	}
	if a.Kafka.Enabled {
		comp.KafkaBrokers = fmt.Sprintf("%s.%s:9092", kafkaName, a.Kafka.Namespace)
	}
	if a.Zookeeper.Enabled {
		comp.ZookeeperConnect = fmt.Sprintf("%s.%s:2181", zkName, a.Zookeeper.Namespace)
	}
	if a.ElasticsearchData.Enabled {
		comp.ESHost = fmt.Sprintf("%s.%s", esDataName, a.ElasticsearchData.Namespace)
		comp.ESIndexerHost = fmt.Sprintf("http://%s.%s:9200/", esDataName, a.ElasticsearchData.Namespace)
	}
	if a.Redis.Enabled {
		comp.RedisHost = fmt.Sprintf("%s.%s", redisName, a.Redis.Namespace)
	}
	if a.KafkaConnect.Enabled {
		comp.KafkaConnectURL = fmt.Sprintf("http://%s.%s:8083", connectName, a.KafkaConnect.Namespace)
	}
	if err := ctx.RegisterComponentResourceV2("digit:k8s:Backbone", name, pulumi.Map{
		"storageMode": pulumi.String(a.Storage.Mode),
	}, comp, opts...); err != nil {
		return nil, err
	}
	b := &backboneBuilder{ctx: ctx, name: name, comp: comp, r: r}
	if r.static && len(a.Storage.Volumes) > 0 {
		if err := b.staticStorageClass(); err != nil {
			return nil, err
		}
	}

	if a.Zookeeper.Enabled {
		if err := b.statefulSet(zookeeperPlan(a)); err != nil {
			return nil, err
		}
	}
	if a.Kafka.Enabled {
		if err := b.statefulSet(kafkaPlan(a)); err != nil {
			return nil, err
		}
	}
	if a.ElasticsearchMaster.Enabled {
		if err := b.statefulSet(esPlan(a, true)); err != nil {
			return nil, err
		}
		if err := b.statefulSet(esPlan(a, false)); err != nil {
			return nil, err
		}
	}
	if err := b.deployments(); err != nil {
		return nil, err
	}
	if a.Curator.Enabled {
		if err := b.curator(); err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"kafkaBrokers":     pulumi.String(comp.KafkaBrokers),
		"zookeeperConnect": pulumi.String(comp.ZookeeperConnect),
		"esHost":           pulumi.String(comp.ESHost),
		"esIndexerHost":    pulumi.String(comp.ESIndexerHost),
		"redisHost":        pulumi.String(comp.RedisHost),
		"kafkaConnectUrl":  pulumi.String(comp.KafkaConnectURL),
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

func zookeeperPlan(a *BackboneArgs) stsPlan {
	s := a.Zookeeper
	env := corev1.EnvVarArray{
		envLit("KAFKA_HEAP_OPTS", s.HeapOpts),
		envLit("ZOOKEEPER_CLIENT_PORT", "2181"),
		envLit("ZOOKEEPER_TICK_TIME", "2000"),
		envLit("ZOOKEEPER_INIT_LIMIT", "5"),
		envLit("ZOOKEEPER_SYNC_LIMIT", "2"),
	}
	if s.Replicas > 1 {
		var servers []string
		for i := 0; i < s.Replicas; i++ {
			servers = append(servers, fmt.Sprintf("%s-%d.%s-headless.%s:2888:3888", zkName, i, zkName, s.Namespace))
		}
		env = append(env, envLit("ZOOKEEPER_SERVERS", strings.Join(servers, ";")))
	}
	return stsPlan{
		role: RoleZookeeper, name: zkName, component: "zookeeper", spec: s,
		ports:          []namedPort{{"client", 2181}, {"server", 2888}, {"leader-election", 3888}},
		clientServices: []clientService{{zkName, []namedPort{{"client", 2181}}}},
		env:            env,
		// Server ids are 1-based; the ordinal is 0-based.
		command:   []string{"sh", "-ec", `export ZOOKEEPER_SERVER_ID=$((${HOSTNAME##*-}+1)) && exec /etc/confluent/docker/run`},
		dataPath:  "/var/lib/zookeeper",
		readiness: tcpProbe("client", 10),
		liveness:  tcpProbe("client", 30),
	}
}

// kafkaRack sets KAFKA_BROKER_RACK to the zone of the broker's disk when the disks are static (each replica's zone is
// then known), so that Kafka places a partition's replicas in different zones. With dynamic storage the zone is
// not known before scheduling, and no rack is set.
func kafkaRack(a *BackboneArgs) string {
	vols := a.Storage.Volumes[RoleKafka]
	if a.Storage.Mode != StorageStatic || len(vols) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(` && case ${HOSTNAME##*-} in`)
	for i, v := range vols {
		fmt.Fprintf(&b, ` %d) export KAFKA_BROKER_RACK='%s';;`, i, strings.ReplaceAll(v.Zone, "'", `'\''`))
	}
	b.WriteString(` esac`)
	return b.String()
}

func kafkaPlan(a *BackboneArgs) stsPlan {
	s := a.Kafka
	n := s.Replicas
	env := corev1.EnvVarArray{
		envField("POD_NAME", "metadata.name"),
		envLit("KAFKA_ZOOKEEPER_CONNECT", fmt.Sprintf("%s.%s:2181/%s", zkName, a.Zookeeper.Namespace, kafkaName)),
		envLit("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:9092"),
		// Each broker advertises its stable per-Pod DNS name; $(POD_NAME) is expanded by the kubelet.
		envLit("KAFKA_ADVERTISED_LISTENERS", fmt.Sprintf("PLAINTEXT://$(POD_NAME).%s-headless.%s:9092", kafkaName, s.Namespace)),
		envLit("KAFKA_HEAP_OPTS", s.HeapOpts),
		envLit("KAFKA_LOG_DIRS", "/opt/kafka/data/logs"),
		envLit("KAFKA_NUM_PARTITIONS", fmt.Sprint(a.KafkaTopics.NumPartitions)),
		// Replication factors above the broker count make topic creation fail; cap them for small clusters.
		envLit("KAFKA_DEFAULT_REPLICATION_FACTOR", fmt.Sprint(min(a.KafkaTopics.ReplicationFactor, n))),
		envLit("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", fmt.Sprint(min(a.KafkaTopics.OffsetsReplicationFactor, n))),
		envLit("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", fmt.Sprint(min(3, n))),
		envLit("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", fmt.Sprint(min(2, n))),
		// A write is acknowledged by all in-sync replicas; with replication 3 two must hold it, so one broker (or
		// zone) can be lost without losing an acknowledged write or refusing writes.
		envLit("KAFKA_MIN_INSYNC_REPLICAS", fmt.Sprint(max(1, min(2, min(a.KafkaTopics.ReplicationFactor, n)-1)))),
		// DIGIT services rely on topics being created on first use.
		envLit("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true"),
	}
	return stsPlan{
		role: RoleKafka, name: kafkaName, component: "kafka", spec: s,
		ports:          []namedPort{{"kafka", 9092}},
		clientServices: []clientService{{kafkaName, []namedPort{{"kafka", 9092}}}},
		env:            env,
		command:        []string{"sh", "-ec", `export KAFKA_BROKER_ID=${HOSTNAME##*-}` + kafkaRack(a) + ` && exec /etc/confluent/docker/run`},
		dataPath:       "/opt/kafka/data",
		readiness:      tcpProbe("kafka", 10),
		liveness:       tcpProbe("kafka", 60),
	}
}

func esPlan(a *BackboneArgs, master bool) stsPlan {
	s, name, role := a.ElasticsearchData, esDataName, RoleElasticsearchData
	clients := []clientService{
		{esDataName, []namedPort{{"http", 9200}}},
		// There are no dedicated client (coordinating) nodes; the data nodes answer DIGIT's es-client URL too.
		{esClientName, []namedPort{{"http", 9200}}},
	}
	if master {
		s, name, role = a.ElasticsearchMaster, esMasterName, RoleElasticsearchMaster
		clients = nil
	}
	m := a.ElasticsearchMaster
	env := corev1.EnvVarArray{
		envField("node.name", "metadata.name"),
		envLit("cluster.name", "elasticsearch"),
		envLit("network.host", "0.0.0.0"),
		envLit("discovery.zen.ping.unicast.hosts", fmt.Sprintf("%s-headless.%s", esMasterName, m.Namespace)),
		// A majority of master-eligible nodes, against split brain (ES 6 does not compute it itself).
		envLit("discovery.zen.minimum_master_nodes", fmt.Sprint(m.Replicas/2+1)),
		envLit("node.master", fmt.Sprint(master)),
		envLit("node.data", fmt.Sprint(!master)),
		envLit("node.ingest", fmt.Sprint(!master)),
		envLit("ES_JAVA_OPTS", s.HeapOpts),
	}
	var inits corev1.ContainerArray
	if a.ElasticsearchSysctlInit {
		inits = corev1.ContainerArray{corev1.ContainerArgs{
			Name:    pulumi.String("sysctl"),
			Image:   pulumi.String(s.Image),
			Command: pulumi.ToStringArray([]string{"sysctl", "-w", "vm.max_map_count=262144"}),
			SecurityContext: &corev1.SecurityContextArgs{
				Privileged:   pulumi.Bool(true),
				RunAsUser:    pulumi.Int(0),
				RunAsNonRoot: pulumi.Bool(false),
			},
			Resources: Resources{CPURequest: "10m", CPULimit: "100m", MemoryRequest: "16Mi", MemoryLimit: "32Mi"}.args(),
		}}
	}
	return stsPlan{
		role: role, name: name, component: "elasticsearch", spec: s,
		ports:          []namedPort{{"http", 9200}, {"transport", 9300}},
		clientServices: clients,
		env:            env,
		dataPath:       "/usr/share/elasticsearch/data",
		readiness:      httpProbe("/_cluster/health?local=true", "http", 20),
		liveness:       tcpProbe("transport", 60),
		nonRootUser:    1000, // the elasticsearch user of the official image
		initContainers: inits,
	}
}

// deployment builds one stateless backbone role with its Service.
// nonRootUser 0 means the image starts as root.
func (b *backboneBuilder) deployment(name, component string, s DeploymentSpec, ports []namedPort, c corev1.ContainerArgs, nonRootUser int, deps []pulumi.Resource) error {
	ctx := b.ctx
	l := appLabels{name: name, instance: name, version: imageTag(s.Image), component: component}
	sel := l.selector()
	c.Name = pulumi.String(name)
	c.Image = pulumi.String(s.Image)
	c.Ports = containerPorts(ports)
	c.Resources = s.resources().args()
	c.SecurityContext = rootContainer()
	if nonRootUser != 0 {
		c.SecurityContext = restrictedContainer()
	}
	spec := corev1.PodSpecArgs{
		EnableServiceLinks:           pulumi.Bool(false),
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext:              podSecurity(nonRootUser, nonRootUser != 0),
		Containers:                   corev1.ContainerArray{c},
		TopologySpreadConstraints:    zoneSpread(b.r.ZoneLabel, sel),
	}
	dep, err := appsv1.NewDeployment(ctx, b.name+"-"+name, &appsv1.DeploymentArgs{
		Metadata: l.meta(name, s.Namespace),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(s.Replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: sel},
			Template: &corev1.PodTemplateSpecArgs{Metadata: &metav1.ObjectMetaArgs{Labels: l.all()}, Spec: spec},
		},
	}, b.opts(pulumi.DependsOn(deps))...)
	if err != nil {
		return err
	}
	b.comp.Ready = append(b.comp.Ready, dep)
	if name == redisName {
		b.comp.Redis = dep
	}
	_, err = corev1.NewService(ctx, b.name+"-"+name, &corev1.ServiceArgs{
		Metadata: clusterService(l.meta(name, s.Namespace)),
		Spec:     &corev1.ServiceSpecArgs{Type: pulumi.String("ClusterIP"), Selector: sel, Ports: servicePorts(ports)},
	}, b.opts()...)
	return err
}

// redisContainer runs Redis as a cache (no snapshots, so no disk and nothing to restore), requiring the password
// of the Secret when one is named. The password reaches redis-server as an argument Kubernetes expands from the
// Secret, so the pod spec holds only the reference, and Redis overwrites its process title at start.
func (b *backboneBuilder) redisContainer() (corev1.ContainerArgs, []pulumi.Resource, error) {
	a := &b.r.BackboneArgs
	args := []string{"redis-server", "--save", "", "--appendonly", "no"}
	c := corev1.ContainerArgs{ReadinessProbe: tcpProbe("redis", 5), LivenessProbe: tcpProbe("redis", 15)}
	if a.RedisPasswordSecret == "" {
		c.Args = pulumi.ToStringArray(args)
		return c, nil, nil
	}
	c.Env = corev1.EnvVarArray{envSecret("REDIS_PASSWORD", a.RedisPasswordSecret, a.RedisPasswordKey)}
	c.Args = pulumi.ToStringArray(append(args, "--requirepass", "$(REDIS_PASSWORD)"))
	if a.RedisPassword == nil {
		return c, nil, nil
	}
	l := appLabels{name: a.RedisPasswordSecret, instance: redisName, version: imageTag(a.Redis.Image), component: "redis"}
	sec, err := corev1.NewSecret(b.ctx, b.name+"-"+redisName+"-password", &corev1.SecretArgs{
		Metadata:   l.meta(a.RedisPasswordSecret, a.Redis.Namespace),
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{a.RedisPasswordKey: pulumi.ToSecret(a.RedisPassword).(pulumi.StringOutput)},
	}, b.opts(pulumi.AdditionalSecretOutputs([]string{"data", "stringData"}))...)
	if err != nil {
		return c, nil, err
	}
	return c, []pulumi.Resource{sec}, nil
}

func (b *backboneBuilder) deployments() error {
	a := &b.r.BackboneArgs
	rf := fmt.Sprint(min(3, a.Kafka.Replicas))
	json := "org.apache.kafka.connect.json.JsonConverter"
	var redis corev1.ContainerArgs
	var redisDeps []pulumi.Resource
	if a.Redis.Enabled {
		var err error
		if redis, redisDeps, err = b.redisContainer(); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		name, component string
		spec            DeploymentSpec
		ports           []namedPort
		c               corev1.ContainerArgs
		nonRootUser     int // 0 = image starts as root
		deps            []pulumi.Resource
	}{
		{redisName, "redis", a.Redis, []namedPort{{"redis", 6379}}, redis, 999, redisDeps}, // the redis user of the official image
		{connectName, "kafka-connect", a.KafkaConnect, []namedPort{{"http", 8083}}, corev1.ContainerArgs{
			Env: corev1.EnvVarArray{
				envField("POD_IP", "status.podIP"),
				envLit("CONNECT_BOOTSTRAP_SERVERS", fmt.Sprintf("PLAINTEXT://%s.%s:9092", kafkaName, a.Kafka.Namespace)),
				envLit("CONNECT_REST_PORT", "8083"),
				envLit("CONNECT_REST_ADVERTISED_HOST_NAME", "$(POD_IP)"),
				envLit("CONNECT_GROUP_ID", connectName),
				envLit("CONNECT_CONFIG_STORAGE_TOPIC", connectName+"-configs"),
				envLit("CONNECT_OFFSET_STORAGE_TOPIC", connectName+"-offsets"),
				envLit("CONNECT_STATUS_STORAGE_TOPIC", connectName+"-status"),
				envLit("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR", rf),
				envLit("CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR", rf),
				envLit("CONNECT_STATUS_STORAGE_REPLICATION_FACTOR", rf),
				envLit("CONNECT_KEY_CONVERTER", json),
				envLit("CONNECT_VALUE_CONVERTER", json),
				envLit("CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE", "false"),
				envLit("CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE", "false"),
				envLit("CONNECT_INTERNAL_KEY_CONVERTER", json),
				envLit("CONNECT_INTERNAL_VALUE_CONVERTER", json),
				envLit("CONNECT_PLUGIN_PATH", "/usr/share/java,/usr/share/confluent-hub-components"),
				envLit("KAFKA_HEAP_OPTS", a.KafkaConnect.HeapOpts),
			},
			ReadinessProbe: httpProbe("/", "http", 30),
			LivenessProbe:  httpProbe("/", "http", 90),
		}, 0, nil}, // Confluent 5.x images write their config under /etc as root
		{kibanaName, "kibana", a.Kibana, []namedPort{{"http", 5601}}, corev1.ContainerArgs{
			Env: corev1.EnvVarArray{
				envLit("ELASTICSEARCH_URL", fmt.Sprintf("http://%s.%s:9200", esDataName, a.ElasticsearchData.Namespace)),
				envLit("SERVER_HOST", "0.0.0.0"),
			},
			ReadinessProbe: httpProbe("/api/status", "http", 30),
			LivenessProbe:  httpProbe("/api/status", "http", 120),
		}, 1000, nil}, // the kibana user of the official image
	} {
		if !d.spec.Enabled {
			continue
		}
		if err := b.deployment(d.name, d.component, d.spec, d.ports, d.c, d.nonRootUser, d.deps); err != nil {
			return err
		}
	}
	return nil
}

func (b *backboneBuilder) curator() error {
	ctx, a := b.ctx, &b.r.BackboneArgs
	c := a.Curator
	l := appLabels{name: curatorName, instance: curatorName, version: imageTag(c.Image), component: "elasticsearch"}
	config := fmt.Sprintf(`client:
  hosts:
    - %s.%s
  port: 9200
  timeout: 60
logging:
  loglevel: INFO
  logformat: default
`, esClientName, a.ElasticsearchData.Namespace)
	actions := fmt.Sprintf(`actions:
  1:
    action: delete_indices
    description: Delete log and trace indices older than %[1]d days (by the date in the index name).
    options:
      ignore_empty_list: true
      continue_if_exception: false
    filters:
      - filtertype: pattern
        kind: regex
        value: '%[2]s'
      - filtertype: age
        source: name
        direction: older
        timestring: '%%Y.%%m.%%d'
        unit: days
        unit_count: %[1]d
`, c.RetainDays, c.IndexPattern)
	cmName := curatorName + "-config"
	cm, err := corev1.NewConfigMap(ctx, b.name+"-"+cmName, &corev1.ConfigMapArgs{
		Metadata: l.meta(cmName, c.Namespace),
		Data:     pulumi.StringMap{"config.yml": pulumi.String(config), "action_file.yml": pulumi.String(actions)},
	}, b.opts()...)
	if err != nil {
		return err
	}
	_, err = batchv1.NewCronJob(ctx, b.name+"-"+curatorName, &batchv1.CronJobArgs{
		Metadata: l.meta(curatorName, c.Namespace),
		Spec: &batchv1.CronJobSpecArgs{
			Schedule:                   pulumi.String(c.Schedule),
			ConcurrencyPolicy:          pulumi.String("Forbid"),
			SuccessfulJobsHistoryLimit: pulumi.Int(1),
			FailedJobsHistoryLimit:     pulumi.Int(3),
			JobTemplate: &batchv1.JobTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
				Spec: &batchv1.JobSpecArgs{
					BackoffLimit: pulumi.Int(1),
					Template: &corev1.PodTemplateSpecArgs{
						Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
						Spec: &corev1.PodSpecArgs{
							RestartPolicy:                pulumi.String("Never"),
							AutomountServiceAccountToken: pulumi.Bool(false),
							SecurityContext:              podSecurity(65534, true),
							Containers: corev1.ContainerArray{corev1.ContainerArgs{
								Name:            pulumi.String("curator"),
								Image:           pulumi.String(c.Image),
								Args:            pulumi.ToStringArray([]string{"--config", "/etc/curator/config.yml", "/etc/curator/action_file.yml"}),
								Resources:       Resources{CPURequest: "50m", CPULimit: "200m", MemoryRequest: "64Mi", MemoryLimit: "128Mi"}.args(),
								SecurityContext: restrictedContainer(),
								VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
									Name: pulumi.String("config"), MountPath: pulumi.String("/etc/curator"), ReadOnly: pulumi.Bool(true),
								}},
							}},
							Volumes: corev1.VolumeArray{corev1.VolumeArgs{
								Name:      pulumi.String("config"),
								ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(cmName)},
							}},
						},
					},
				},
			},
		},
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{cm}))...)
	return err
}
