package k8s

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
)

const (
	tPV           = "kubernetes:core/v1:PersistentVolume"
	tSTS          = "kubernetes:apps/v1:StatefulSet"
	tClaimPatch   = "kubernetes:core/v1:PersistentVolumeClaimPatch"
	tStorageClass = "kubernetes:storage.k8s.io/v1:StorageClass"
)

var zones = []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"}

// staticVolumes gives each role n disks "vol-<role>-<i>" in zones round-robin, starting at a role-specific offset
// so that replica i is not in zone i for every role.
func staticVolumes(n int) map[string][]Volume {
	out := map[string][]Volume{}
	for off, role := range []string{RoleKafka, RoleZookeeper, RoleElasticsearchData, RoleElasticsearchMaster} {
		for i := 0; i < n; i++ {
			out[role] = append(out[role], Volume{
				ID: pulumi.String(fmt.Sprintf("vol-%s-%d", role, i)), Zone: zones[(i+off)%len(zones)], SizeGB: 60,
			})
		}
	}
	return out
}

func fullBackbone(mode string) *BackboneArgs {
	a := &BackboneArgs{
		Zones:               zones,
		Storage:             BackboneStorage{Mode: mode, StorageClass: "gp2-static", CSIDriver: "ebs.csi.aws.com"},
		Kafka:               StatefulSetSpec{Enabled: true},
		Zookeeper:           StatefulSetSpec{Enabled: true},
		ElasticsearchData:   StatefulSetSpec{Enabled: true},
		ElasticsearchMaster: StatefulSetSpec{Enabled: true},
		Redis:               DeploymentSpec{Enabled: true},
		KafkaConnect:        DeploymentSpec{Enabled: true},
		Kibana:              DeploymentSpec{Enabled: true},
		Curator:             CuratorSpec{Enabled: true},
	}
	if mode == StorageStatic {
		a.Storage.Volumes = staticVolumes(3)
	}
	return a
}

func TestBackboneStatic(t *testing.T) {
	a := fullBackbone(StorageStatic)
	var bb *Backbone
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		bb, err = NewBackbone(ctx, "backbone", a)
		return err
	})

	stsByRole := map[string]string{
		RoleKafka: "kafka-v2", RoleZookeeper: "zookeeper-v2",
		RoleElasticsearchData: "elasticsearch-data-v1", RoleElasticsearchMaster: "elasticsearch-master-v1",
	}
	nsByRole := map[string]string{
		RoleKafka: "kafka-cluster", RoleZookeeper: "zookeeper-cluster",
		RoleElasticsearchData: "es-cluster", RoleElasticsearchMaster: "es-cluster",
	}
	pvs := m.ByType(tPV)
	if len(pvs) != 12 {
		t.Fatalf("want 12 PVs (4 roles x 3 replicas), got %d", len(pvs))
	}
	for role, vols := range a.Storage.Volumes {
		sts := stsByRole[role]
		for i, v := range vols {
			id := fmt.Sprintf("vol-%s-%d", role, i)
			var hits []int
			for j, pv := range pvs {
				if pv.String("spec.csi.volumeHandle") == id {
					hits = append(hits, j)
				}
			}
			if len(hits) != 1 {
				t.Errorf("volume %s is in %d PVs, want exactly 1", id, len(hits))
				continue
			}
			pv := pvs[hits[0]]
			term := "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]"
			if pv.String(term+".key") != DefaultZoneLabel || pv.String(term+".operator") != "In" ||
				strings.Join(pv.Strings(term+".values"), ",") != v.Zone {
				t.Errorf("%s: node affinity %v, want %s In [%s]", id, pv.Get(term), DefaultZoneLabel, v.Zone)
			}
			wantClaim := fmt.Sprintf("data-%s-%d", sts, i)
			if pv.String("spec.claimRef.name") != wantClaim || pv.String("spec.claimRef.namespace") != nsByRole[role] {
				t.Errorf("%s: claimRef %v, want %s/%s", id, pv.Get("spec.claimRef"), nsByRole[role], wantClaim)
			}
			if pv.String("spec.csi.driver") != "ebs.csi.aws.com" || pv.String("spec.csi.fsType") != "ext4" ||
				pv.String("spec.capacity.storage") != "60Gi" || pv.String("spec.persistentVolumeReclaimPolicy") != "Retain" ||
				pv.String("spec.storageClassName") != "gp2-static" || pv.Strings("spec.accessModes")[0] != "ReadWriteOnce" {
				t.Errorf("%s: spec %v", id, pv.Get("spec"))
			}
		}
	}

	for role, name := range stsByRole {
		sts := m.MustFind(t, tSTS, "backbone-"+name)
		if sts.Namespace() != nsByRole[role] || sts.Int("spec.replicas") != 3 {
			t.Errorf("%s: namespace %q replicas %d", name, sts.Namespace(), sts.Int("spec.replicas"))
		}
		tpl := "spec.volumeClaimTemplates[0]"
		if sts.String(tpl+".metadata.name") != "data" || sts.String(tpl+".spec.storageClassName") != "gp2-static" {
			t.Errorf("%s: claim template %v", name, sts.Get(tpl))
		}
		// The StatefulSet must not create claims before their volumes exist.
		deps := map[string]bool{}
		for _, d := range sts.DependsOn {
			deps[d] = true
		}
		if len(bb.PersistentVolumes[role]) != 3 {
			t.Errorf("%s: PersistentVolumes output has %d entries", role, len(bb.PersistentVolumes[role]))
		}
		for _, pv := range pvs {
			if strings.Contains(pv.String("spec.claimRef.name"), name+"-") && !deps[pv.URN] {
				t.Errorf("%s does not depend on PV %s", name, pv.Name)
			}
		}
		if sts.String("spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey") != DefaultZoneLabel {
			t.Errorf("%s: no preferred zone anti-affinity", name)
		}
		if sts.Has("spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution") {
			t.Errorf("%s: required anti-affinity would leave replicas Pending on small clusters", name)
		}
		m.MustFind(t, tPDB, "backbone-"+name)
		if m.MustFind(t, tService, "backbone-"+name+"-headless").String("spec.clusterIP") != "None" {
			t.Errorf("%s: headless service lacks clusterIP None", name)
		}
	}
	if len(bb.Ready) != 7 {
		t.Errorf("Ready has %d resources, want 4 StatefulSets + 3 Deployments", len(bb.Ready))
	}
}

// A raised size must reach the claims in place: the StatefulSet ignores its immutable claim templates (a change
// there would replace it), and a retained patch per replica holds each claim at the role's size, after the
// StatefulSet made the claims and, in static mode, after the class that lets the API server expand them.
func TestBackboneGrowsClaimsInPlace(t *testing.T) {
	for _, mode := range []string{StorageStatic, StorageDynamic} {
		t.Run(mode, func(t *testing.T) {
			a := fullBackbone(mode)
			a.Kafka.VolumeSizeGB = 40
			var bb *Backbone
			m := mustRun(t, func(ctx *pulumi.Context) error {
				var err error
				bb, err = NewBackbone(ctx, "backbone", a)
				return err
			})
			classes := m.ByType(tStorageClass)
			var class mocktest.Resource
			if mode == StorageStatic {
				if len(classes) != 1 {
					t.Fatalf("want one StorageClass in static mode, got %v", names(classes))
				}
				class = classes[0]
				if class.MetadataName() != "gp2-static" || !class.Bool("allowVolumeExpansion") ||
					class.String("provisioner") != "kubernetes.io/no-provisioner" || class.String("reclaimPolicy") != "Retain" {
					t.Errorf("static class: want gp2-static, expansion allowed, no provisioner, Retain; got %v", class.Inputs)
				}
			} else if len(classes) != 0 {
				t.Errorf("dynamic mode must use the cluster's class, not create one: %v", names(classes))
			}

			patches := m.ByType(tClaimPatch)
			if len(patches) != 12 {
				t.Fatalf("want 12 claim patches (4 roles x 3 replicas), got %v", names(patches))
			}
			for role, name := range map[string]string{RoleKafka: "kafka-v2", RoleZookeeper: "zookeeper-v2",
				RoleElasticsearchData: "elasticsearch-data-v1", RoleElasticsearchMaster: "elasticsearch-master-v1"} {
				sts := m.MustFind(t, tSTS, "backbone-"+name)
				if !slices.Contains(sts.IgnoreChanges, "spec.volumeClaimTemplates") {
					t.Errorf("%s: ignoreChanges %v lacks spec.volumeClaimTemplates: a size change would replace it", name, sts.IgnoreChanges)
				}
				want := sts.String("spec.volumeClaimTemplates[0].spec.resources.requests.storage")
				if role == RoleKafka && want != "40Gi" {
					t.Errorf("kafka template size %q, want 40Gi", want)
				}
				if len(bb.ClaimSizes[role]) != 3 {
					t.Errorf("%s: ClaimSizes output has %d entries, want 3", role, len(bb.ClaimSizes[role]))
				}
				for i := 0; i < 3; i++ {
					claim := fmt.Sprintf("data-%s-%d", name, i)
					var p mocktest.Resource
					for _, c := range patches {
						if c.MetadataName() == claim && c.Namespace() == sts.Namespace() {
							p = c
						}
					}
					if p.Name == "" {
						t.Errorf("%s: no patch for claim %s/%s", name, sts.Namespace(), claim)
						continue
					}
					if got := p.String("spec.resources.requests.storage"); got != want {
						t.Errorf("%s: size %q, want the template's %q", claim, got, want)
					}
					if !p.RetainOnDelete {
						t.Errorf("%s: not retained on delete: scaling down would act on the claim", claim)
					}
					if p.StringMap("metadata.annotations")[PatchForceAnnotation] != "true" {
						t.Errorf("%s: without %s the StatefulSet controller's ownership of the size is a conflict", claim, PatchForceAnnotation)
					}
					if p.StringMap("metadata.annotations")[SkipAwaitAnnotation] != "true" {
						t.Errorf("%s: awaited: the provider waits for a bound claim of a WaitForFirstConsumer class to be Pending", claim)
					}
					if !slices.Contains(p.DependsOn, sts.URN) {
						t.Errorf("%s: does not wait for %s, which makes the claim", claim, name)
					}
					if mode == StorageStatic && !slices.Contains(p.DependsOn, class.URN) {
						t.Errorf("%s: does not wait for the class its expansion needs", claim)
					}
				}
			}
		})
	}
}

func TestBackboneOutputsAndWiring(t *testing.T) {
	var bb *Backbone
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		bb, err = NewBackbone(ctx, "backbone", fullBackbone(StorageDynamic))
		return err
	})
	if bb.KafkaBrokers != "kafka-v2.kafka-cluster:9092" || bb.ZookeeperConnect != "zookeeper-v2.zookeeper-cluster:2181" ||
		bb.ESHost != "elasticsearch-data-v1.es-cluster" || bb.ESIndexerHost != "http://elasticsearch-data-v1.es-cluster:9200/" ||
		bb.RedisHost != "redis.backbone" {
		t.Errorf("outputs: %+v", bb)
	}
	c := "spec.template.spec.containers[0].env"
	kafka := m.MustFind(t, tSTS, "backbone-kafka-v2")
	if kafka.String(c+"[name=KAFKA_ZOOKEEPER_CONNECT].value") != "zookeeper-v2.zookeeper-cluster:2181/kafka-v2" {
		t.Errorf("kafka zookeeper connect: %q", kafka.String(c+"[name=KAFKA_ZOOKEEPER_CONNECT].value"))
	}
	if kafka.String(c+"[name=KAFKA_HEAP_OPTS].value") != "-Xms704M -Xmx704M" {
		t.Errorf("kafka heap")
	}
	zk := m.MustFind(t, tSTS, "backbone-zookeeper-v2")
	servers := strings.Split(zk.String(c+"[name=ZOOKEEPER_SERVERS].value"), ";")
	if len(servers) != 3 || servers[2] != "zookeeper-v2-2.zookeeper-v2-headless.zookeeper-cluster:2888:3888" {
		t.Errorf("ZOOKEEPER_SERVERS = %v", servers)
	}
	for _, name := range []string{"backbone-elasticsearch-data-v1", "backbone-elasticsearch-master-v1"} {
		es := m.MustFind(t, tSTS, name)
		if es.String(c+"[name=discovery.zen.minimum_master_nodes].value") != "2" ||
			es.String(c+"[name=discovery.zen.ping.unicast.hosts].value") != "elasticsearch-master-v1-headless.es-cluster" {
			t.Errorf("%s discovery env: %v", name, es.Get(c))
		}
		if es.Has("spec.template.spec.initContainers") {
			t.Errorf("%s: privileged sysctl init container present although not requested", name)
		}
		if !strings.HasPrefix(es.String("spec.template.spec.containers[0].image"), "docker.elastic.co/elasticsearch/elasticsearch-oss:6.6.2") {
			t.Errorf("es image")
		}
	}
	for _, svc := range []string{"elasticsearch-data-v1", "elasticsearch-client-v1"} {
		s := m.MustFind(t, tService, "backbone-"+svc)
		if s.Namespace() != "es-cluster" || s.String("spec.selector[\""+LabelName+"\"]") != "elasticsearch-data-v1" {
			t.Errorf("%s must select the data nodes: %v", svc, s.Get("spec"))
		}
	}
	m.MustFind(t, tService, "backbone-redis")
	if got, _ := mocktest.AwaitString(t, bb.Redis.Metadata.Name().Elem()); got != "redis" {
		t.Errorf("Redis output is the Deployment %q, want redis", got)
	}
	connect := m.MustFind(t, tDeployment, "backbone-kafka-connect")
	if got := connect.String(c + "[name=KAFKA_HEAP_OPTS].value"); got != "-Xms512M -Xmx512M" {
		t.Errorf("kafka-connect KAFKA_HEAP_OPTS = %q, want the default -Xms512M -Xmx512M", got)
	}
	m.MustFind(t, tDeployment, "backbone-kibana-v1")
	// The Confluent images start as root and keep their capabilities; the others run as their image's user with
	// every capability dropped.
	for _, w := range []struct {
		typ, name string
		user      int // 0: root
	}{
		{tSTS, "backbone-kafka-v2", 0}, {tSTS, "backbone-zookeeper-v2", 0},
		{tSTS, "backbone-elasticsearch-data-v1", 1000}, {tSTS, "backbone-elasticsearch-master-v1", 1000},
		{tDeployment, "backbone-redis", 999}, {tDeployment, "backbone-kafka-connect", 0}, {tDeployment, "backbone-kibana-v1", 1000},
	} {
		r := m.MustFind(t, w.typ, w.name)
		pod, ctr := "spec.template.spec.securityContext", "spec.template.spec.containers[0].securityContext"
		if w.user == 0 {
			if r.Has(pod+".runAsNonRoot") || r.Has(pod+".runAsUser") || r.Has(ctr+".capabilities") {
				t.Errorf("%s starts as root, but has pod %v container %v", w.name, r.Get(pod), r.Get(ctr))
			}
			continue
		}
		if r.Get(pod+".runAsNonRoot") != true || r.Int(pod+".runAsUser") != w.user || r.Int(pod+".fsGroup") != w.user ||
			strings.Join(r.Strings(ctr+".capabilities.drop"), ",") != "ALL" {
			t.Errorf("%s: want non-root %d with capabilities dropped, got pod %v container %v", w.name, w.user, r.Get(pod), r.Get(ctr))
		}
	}
	// The Confluent images get a wrapper deriving their id from the ordinal; Elasticsearch keeps its entrypoint.
	for name, want := range map[string]string{"backbone-kafka-v2": "KAFKA_BROKER_ID", "backbone-zookeeper-v2": "ZOOKEEPER_SERVER_ID"} {
		if cmd := m.MustFind(t, tSTS, name).Strings("spec.template.spec.containers[0].command"); len(cmd) != 3 || !strings.Contains(cmd[2], want) {
			t.Errorf("%s command %v does not set %s", name, cmd, want)
		}
	}
	if es := m.MustFind(t, tSTS, "backbone-elasticsearch-data-v1"); es.Has("spec.template.spec.containers[0].command") {
		t.Errorf("elasticsearch command %v overrides the image entrypoint", es.Get("spec.template.spec.containers[0].command"))
	}
	cron := m.MustFind(t, "kubernetes:batch/v1:CronJob", "backbone-es-curator")
	if !strings.HasPrefix(cron.String("spec.jobTemplate.spec.template.spec.containers[0].image"), "bobrik/curator:5.6.0") {
		t.Errorf("curator image")
	}
	cm := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "backbone-es-curator-config")
	actions := cm.String(`data["action_file.yml"]`)
	if !strings.Contains(actions, "unit_count: 7") || !strings.Contains(actions, "^(logstash|jaeger-span|jaeger-service)-.*$") {
		t.Errorf("curator actions:\n%s", actions)
	}
	if !strings.Contains(cm.String(`data["config.yml"]`), "elasticsearch-client-v1.es-cluster") {
		t.Errorf("curator config:\n%s", cm.String(`data["config.yml"]`))
	}
}

func TestBackboneDynamic(t *testing.T) {
	a := fullBackbone(StorageDynamic)
	a.Storage.StorageClass = "digit-fake"
	a.Kafka.VolumeSizeGB = 10
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err })
	if pvs := m.ByType(tPV); len(pvs) != 0 {
		t.Errorf("dynamic mode created PVs: %v", names(pvs))
	}
	stss := m.ByType(tSTS)
	if len(stss) != 4 {
		t.Fatalf("statefulsets: %v", names(stss))
	}
	for _, s := range stss {
		if s.String("spec.volumeClaimTemplates[0].spec.storageClassName") != "digit-fake" {
			t.Errorf("%s: claim template class %q", s.Name, s.String("spec.volumeClaimTemplates[0].spec.storageClassName"))
		}
		// The claims the template creates are DIGIT's objects too; the version would make the template change.
		labels := s.StringMap("spec.volumeClaimTemplates[0].metadata.labels")
		if labels["app.kubernetes.io/part-of"] != "digit" || labels["app.kubernetes.io/managed-by"] != "pulumi" {
			t.Errorf("%s: claim template labels %v lack part-of/managed-by", s.Name, labels)
		}
		if _, ok := labels["app.kubernetes.io/version"]; ok {
			t.Errorf("%s: claim template carries the version label", s.Name)
		}
	}
	if got := m.MustFind(t, tSTS, "backbone-kafka-v2").String("spec.volumeClaimTemplates[0].spec.resources.requests.storage"); got != "10Gi" {
		t.Errorf("kafka claim size %q", got)
	}
}

func TestBackboneSmallCluster(t *testing.T) {
	a := &BackboneArgs{
		Storage:                 BackboneStorage{StorageClass: "standard"},
		Kafka:                   StatefulSetSpec{Enabled: true, Replicas: 1},
		Zookeeper:               StatefulSetSpec{Enabled: true, Replicas: 1},
		ElasticsearchSysctlInit: false,
	}
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "bb", a); return err })
	kafka := m.MustFind(t, tSTS, "bb-kafka-v2")
	c := "spec.template.spec.containers[0].env"
	// A replication factor above the broker count makes every topic creation fail.
	for _, n := range []string{"KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS"} {
		if kafka.String(c+"[name="+n+"].value") != "1" {
			t.Errorf("%s = %q with one broker", n, kafka.String(c+"[name="+n+"].value"))
		}
	}
	// A single ZooKeeper runs standalone: a server list would put it in quorum mode.
	if zk := m.MustFind(t, tSTS, "bb-zookeeper-v2"); zk.Has(c + "[name=ZOOKEEPER_SERVERS]") {
		t.Errorf("one zookeeper with ZOOKEEPER_SERVERS %q", zk.String(c+"[name=ZOOKEEPER_SERVERS].value"))
	}
	if len(m.ByType(tDeployment)) != 0 || len(m.ByType("kubernetes:batch/v1:CronJob")) != 0 {
		t.Errorf("disabled roles were deployed")
	}
}

func TestBackboneSysctlInit(t *testing.T) {
	a := fullBackbone(StorageDynamic)
	a.ElasticsearchSysctlInit = true
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err })
	es := m.MustFind(t, tSTS, "backbone-elasticsearch-data-v1")
	ic := "spec.template.spec.initContainers[name=sysctl]"
	if es.Get(ic+".securityContext.privileged") != true || !contains(es.Strings(ic+".command"), "vm.max_map_count=262144") {
		t.Errorf("sysctl init container: %v", es.Get(ic))
	}
}

func TestBackboneValidation(t *testing.T) {
	cases := []struct {
		name   string
		want   []string
		mutate func(*BackboneArgs)
	}{
		{"fewer volumes", []string{"Storage.Volumes[kafka]:", "2 volumes for 3 kafka replicas"}, func(a *BackboneArgs) {
			a.Storage.Volumes[RoleKafka] = a.Storage.Volumes[RoleKafka][:2]
		}},
		{"more replicas", []string{"Storage.Volumes[zookeeper]:"}, func(a *BackboneArgs) { a.Zookeeper.Replicas = 5 }},
		{"unknown role", []string{"Storage.Volumes[redis]:"}, func(a *BackboneArgs) { a.Storage.Volumes["redis"] = nil }},
		{"disabled role", []string{"Storage.Volumes[kafka]:", "not enabled"}, func(a *BackboneArgs) {
			a.Kafka.Enabled, a.KafkaConnect.Enabled = false, false
		}},
		{"zone", []string{"Storage.Volumes[elasticsearch-data][1].Zone:"}, func(a *BackboneArgs) {
			a.Storage.Volumes[RoleElasticsearchData][1].Zone = "us-east-1a"
		}},
		{"size", []string{"Storage.Volumes[kafka][0].SizeGB:"}, func(a *BackboneArgs) { a.Storage.Volumes[RoleKafka][0].SizeGB = 10 }},
		{"id", []string{"Storage.Volumes[zookeeper][2].ID:"}, func(a *BackboneArgs) { a.Storage.Volumes[RoleZookeeper][2].ID = nil }},
		{"csi", []string{"Storage.CSIDriver:"}, func(a *BackboneArgs) { a.Storage.CSIDriver = "" }},
		{"class", []string{"Storage.StorageClass:"}, func(a *BackboneArgs) { a.Storage.StorageClass = "" }},
		{"mode", []string{"Storage.Mode:"}, func(a *BackboneArgs) { a.Storage.Mode = "ebs" }},
		{"dynamic volumes", []string{"Storage.Volumes:"}, func(a *BackboneArgs) { a.Storage.Mode = StorageDynamic }},
		{"cpu", []string{"Kafka.CPURequest:"}, func(a *BackboneArgs) { a.Kafka.CPURequest, a.Kafka.CPULimit = "2000m", "500m" }},
		{"memory", []string{"Zookeeper.MemoryLimit:"}, func(a *BackboneArgs) { a.Zookeeper.MemoryLimit = "big" }},
		{"image", []string{"ElasticsearchData.Image:"}, func(a *BackboneArgs) { a.ElasticsearchData.Image = "elasticsearch" }},
		{"namespace", []string{"Redis.Namespace:"}, func(a *BackboneArgs) { a.Redis.Namespace = "Backbone" }},
		{"replicas", []string{"Kibana.Replicas:"}, func(a *BackboneArgs) { a.Kibana.Replicas = -1 }},
		{"kafka needs zk", []string{"Kafka.Enabled:", "Zookeeper"}, func(a *BackboneArgs) {
			a.Zookeeper.Enabled = false
			delete(a.Storage.Volumes, RoleZookeeper)
		}},
		{"redis password without its Secret", []string{"RedisPassword:"}, func(a *BackboneArgs) { a.RedisPassword = pulumi.String("x") }},
		{"redis Secret name", []string{"RedisPasswordSecret:"}, func(a *BackboneArgs) {
			a.RedisPasswordSecret, a.RedisPasswordKey = "Redis_Auth", "password"
		}},
		{"redis Secret without its key", []string{"RedisPasswordKey:", "not a Secret key"}, func(a *BackboneArgs) { a.RedisPasswordSecret = "redis" }},
		{"redis Secret key", []string{"RedisPasswordKey:", "not a Secret key"}, func(a *BackboneArgs) {
			a.RedisPasswordSecret, a.RedisPasswordKey = "redis", "pass word"
		}},
		{"redis key without its Secret", []string{"RedisPasswordKey:", "requires RedisPasswordSecret"}, func(a *BackboneArgs) { a.RedisPasswordKey = "password" }},
		{"curator schedule", []string{"Curator.Schedule:"}, func(a *BackboneArgs) { a.Curator.Schedule = "daily" }},
		{"curator pattern", []string{"Curator.IndexPattern:"}, func(a *BackboneArgs) { a.Curator.IndexPattern = ".*" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := fullBackbone(StorageStatic)
			c.mutate(a)
			expectArgsError(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err }, c.want...)
		})
	}
}

// TestBackboneBounds: values at their bounds are accepted; a disabled store does not stop the checks of the
// others; disks for a disabled store are refused naming it.
func TestBackboneBounds(t *testing.T) {
	run := func(a *BackboneArgs) func(ctx *pulumi.Context) error {
		return func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err }
	}
	accepted := []struct {
		name   string
		mutate func(*BackboneArgs)
	}{
		{"one partition, replication 1", func(a *BackboneArgs) { a.KafkaTopics = KafkaTopics{1, 1, 1} }},
		{"retain one day", func(a *BackboneArgs) { a.Curator.RetainDays = 1 }},
		{"disks of exactly the claim", func(a *BackboneArgs) {
			for role := range a.Storage.Volumes {
				for i := range a.Storage.Volumes[role] {
					a.Storage.Volumes[role][i].SizeGB = 1
				}
			}
			a.Kafka.VolumeSizeGB, a.Zookeeper.VolumeSizeGB, a.ElasticsearchData.VolumeSizeGB, a.ElasticsearchMaster.VolumeSizeGB = 1, 1, 1, 1
		}},
		{"no zones listed", func(a *BackboneArgs) { a.Zones = nil }},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			a := fullBackbone(StorageStatic)
			c.mutate(a)
			mustRun(t, run(a))
		})
	}
	refused := []struct {
		name   string
		want   []string
		mutate func(*BackboneArgs)
	}{
		{"zookeeper checked after disabled kafka", []string{"Zookeeper.Replicas:"}, func(a *BackboneArgs) {
			a.Kafka.Enabled, a.KafkaConnect.Enabled = false, false
			delete(a.Storage.Volumes, RoleKafka)
			a.Zookeeper.Replicas = -1
		}},
		{"kafka-connect checked after disabled redis", []string{"KafkaConnect.Replicas:"}, func(a *BackboneArgs) {
			a.Redis.Enabled = false
			a.KafkaConnect.Replicas = -1
		}},
		{"disks of elasticsearch-master checked after disabled kafka", []string{"Storage.Volumes[elasticsearch-master]:", "2 volumes for 3"}, func(a *BackboneArgs) {
			a.Kafka.Enabled, a.KafkaConnect.Enabled = false, false
			delete(a.Storage.Volumes, RoleKafka)
			a.Storage.Volumes[RoleElasticsearchMaster] = a.Storage.Volumes[RoleElasticsearchMaster][:2]
		}},
	}
	for _, role := range []string{RoleZookeeper, RoleElasticsearchData, RoleElasticsearchMaster} {
		refused = append(refused, struct {
			name   string
			want   []string
			mutate func(*BackboneArgs)
		}{"disks of disabled " + role, []string{"Storage.Volumes[" + role + "]:", "role " + role + " is not enabled"}, func(a *BackboneArgs) {
			switch role {
			case RoleZookeeper:
				a.Kafka.Enabled, a.KafkaConnect.Enabled, a.Zookeeper.Enabled = false, false, false
				delete(a.Storage.Volumes, RoleKafka)
			case RoleElasticsearchData:
				a.ElasticsearchData.Enabled = false
			case RoleElasticsearchMaster:
				a.ElasticsearchMaster.Enabled = false
			}
		}})
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			a := fullBackbone(StorageStatic)
			c.mutate(a)
			expectArgsError(t, run(a), c.want...)
		})
	}
	// A memory limit that does not parse is reported once, not also as a request above it.
	a := fullBackbone(StorageStatic)
	a.Zookeeper.MemoryLimit = "big"
	if err := pulumi.RunErr(run(a), pulumi.WithMocks("digit", "test", mocktest.New())); err == nil || !strings.Contains(err.Error(), "Zookeeper.MemoryLimit:") || strings.Contains(err.Error(), "exceeds") {
		t.Errorf("MemoryLimit big: got %v, want only the MemoryLimit error", err)
	}
}

// TestBackboneDeploymentsAfterADisabledOne: turning redis off leaves kafka-connect and kibana, which come after it,
// deployed.
func TestBackboneDeploymentsAfterADisabledOne(t *testing.T) {
	a := fullBackbone(StorageDynamic)
	a.Redis.Enabled = false
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err })
	var got []string
	for _, d := range m.ByType("kubernetes:apps/v1:Deployment") {
		got = append(got, d.MetadataName())
	}
	if strings.Join(got, ",") != "kafka-connect,kibana-v1" {
		t.Errorf("Deployments %v, want kafka-connect and kibana-v1 without redis", got)
	}
}

// TestKafkaBrokersKnowTheirZoneAndNeedTwoInSync: with static disks each broker's rack is its disk's zone (by
// ordinal), and replication 3 asks two in-sync replicas per write; with dynamic storage no rack is guessed.
func TestKafkaBrokersKnowTheirZoneAndNeedTwoInSync(t *testing.T) {
	for _, mode := range []string{StorageStatic, StorageDynamic} {
		a := fullBackbone(mode)
		a.KafkaTopics.ReplicationFactor = 3
		m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "bb", a); return err })
		kafka := m.MustFind(t, tSTS, "bb-kafka-v2")
		c := "spec.template.spec.containers[0]"
		if got := kafka.String(c + ".env[name=KAFKA_MIN_INSYNC_REPLICAS].value"); got != "2" {
			t.Errorf("%s: KAFKA_MIN_INSYNC_REPLICAS %q with replication 3, want 2", mode, got)
		}
		cmd := strings.Join(kafka.Strings(c+".command"), " ")
		if mode == StorageDynamic {
			if strings.Contains(cmd, "KAFKA_BROKER_RACK") {
				t.Errorf("dynamic storage: the command guesses a rack: %s", cmd)
			}
			continue
		}
		for i, v := range a.Storage.Volumes[RoleKafka] {
			if want := fmt.Sprintf(" %d) export KAFKA_BROKER_RACK='%s';;", i, v.Zone); !strings.Contains(cmd, want) {
				t.Errorf("broker %d: the command lacks %q: %s", i, want, cmd)
			}
		}
	}
}

// TestRedisRequiresThePasswordOfItsSecret: with a password Secret, redis-server gets --requirepass from the Secret
// (the pod spec holds only the reference), the Secret is created in Redis's namespace with the value kept secret,
// and Redis waits for it; a Secret named without a value is referenced, not created; without one, no password.
func TestRedisRequiresThePasswordOfItsSecret(t *testing.T) {
	const tDep, tSecret = "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Secret"
	// Not the stack's "password": the component must use the key it is given.
	const redisKey = "requirepass"
	for _, c := range []struct {
		name            string
		secret          string
		password        pulumi.StringInput
		requires, makes bool
	}{
		{"password", "redis", pulumi.String("s3cret-redis-password"), true, true},
		{"Secret provided elsewhere", "redis", nil, true, false},
		{"none", "", nil, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := fullBackbone(StorageDynamic)
			a.RedisPasswordSecret, a.RedisPassword = c.secret, c.password
			if c.secret != "" {
				a.RedisPasswordKey = redisKey
			}
			m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewBackbone(ctx, "backbone", a); return err })
			dep := m.MustFind(t, tDep, "backbone-redis")
			args := dep.Strings("spec.template.spec.containers[0].args")
			requires := slices.Contains(args, "--requirepass")
			if requires != c.requires {
				t.Fatalf("redis-server args %v: --requirepass %v, want %v", args, requires, c.requires)
			}
			if c.requires {
				i := slices.Index(args, "--requirepass")
				env := "spec.template.spec.containers[0].env[0]"
				if i+1 >= len(args) || args[i+1] != "$(REDIS_PASSWORD)" || dep.String(env+".name") != "REDIS_PASSWORD" ||
					dep.String(env+".valueFrom.secretKeyRef.name") != c.secret || dep.String(env+".valueFrom.secretKeyRef.key") != redisKey {
					t.Errorf("the password does not come from Secret %s key %s: args %v, env %v", c.secret, redisKey, args, dep.Get(env))
				}
			}
			sec, made := m.Find(tSecret, "backbone-redis-password")
			if made != c.makes {
				t.Fatalf("Secret created: %v, want %v", made, c.makes)
			}
			if made {
				if sec.MetadataName() != c.secret || sec.Namespace() != dep.Namespace() ||
					sec.String("stringData."+redisKey) != "s3cret-redis-password" || !sec.IsSecret("stringData."+redisKey) {
					t.Errorf("Secret %s/%s: %v (secret: %v)", sec.Namespace(), sec.MetadataName(), sec.Get("stringData"), sec.IsSecret("stringData"))
				}
				if !slices.Contains(dep.DependsOn, sec.URN) {
					t.Error("Redis does not wait for its password Secret")
				}
			}
		})
	}
}
