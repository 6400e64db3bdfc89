package catalogue

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// TestCatalogueLimitsAreInclusive resolves catalogues with each bounded value at its bound (accepted: Kubernetes,
// the JVM and Postgres accept it too) and just past it (refused, the entry named). The bounds are written out as
// literals, so a changed constant or comparison in the validation shows.
func TestCatalogueLimitsAreInclusive(t *testing.T) {
	add := func(changes map[string]any) func(t *testing.T) string {
		return func(t *testing.T) string { return addJSON(t, changes) }
	}
	frontend := func(configs map[string]any) func(t *testing.T) string {
		return add(map[string]any{"kind": "frontend", "appType": "none", "module": "frontend", "heap": "",
			"globalConfigs": configs})
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	redis := func(f func(w *Workload)) func(t *testing.T, c *Catalogue) {
		return func(t *testing.T, c *Catalogue) { f(&c.Backbone.Redis) }
	}
	cases := []struct {
		name   string
		build  func(t *testing.T) string
		mutate func(t *testing.T, c *Catalogue)
		want   string // "" accepted, else a substring of the error
	}{
		{name: "service name of 63", build: add(map[string]any{"name": long(63)})},
		{name: "service name of 64", build: add(map[string]any{"name": long(64)}), want: "name is not a Kubernetes object name"},
		{name: "service name with capitals", build: add(map[string]any{"name": "My-Svc"}), want: "service My-Svc (module core): name is not a Kubernetes object name"},
		{name: "service port 1", build: add(map[string]any{"port": 1})},
		{name: "service port 65535", build: add(map[string]any{"port": 65535})},
		{name: "service port 0", build: add(map[string]any{"port": 0}), want: "port 0 is out of range (allowed: 1..65535)"},
		{name: "health path", build: add(map[string]any{"healthPath": "/my-svc/health"})},
		{name: "health path without a slash", build: add(map[string]any{"healthPath": "health"}), want: `health path "health" must start with '/'`},
		{name: "health path with a space", build: add(map[string]any{"healthPath": "/a b"}), want: `health path "/a b" must start with '/' and contain no spaces`},
		{name: "schema table of 63", build: add(map[string]any{"migration": map[string]any{"image": "egovio/my-svc-db", "schemaTable": long(63)}})},
		{name: "schema table of 64", build: add(map[string]any{"migration": map[string]any{"image": "egovio/my-svc-db", "schemaTable": long(64)}}), want: "migration schema table"},
		{name: "global config of 2048", build: frontend(map[string]any{"STATE_LEVEL_TENANT_ID": long(2048)})},
		{name: "global config of 2049", build: frontend(map[string]any{"STATE_LEVEL_TENANT_ID": long(2049)}), want: "globalConfigs STATE_LEVEL_TENANT_ID: the value may not contain"},
		{name: "db connections 100", build: add(map[string]any{"dbConnections": 100})},
		{name: "db connections 101", build: add(map[string]any{"dbConnections": 101}), want: "dbConnections 101 is out of range (allowed: 0..100"},
		{name: "db connections -1", build: add(map[string]any{"dbConnections": -1}), want: "dbConnections -1 is out of range"},
		{name: "replicas 0", build: add(map[string]any{"replicas": 0})},
		{name: "replicas 50", build: add(map[string]any{"replicas": 50})},
		{name: "memory 64Mi", build: add(map[string]any{"memoryLimit": "64Mi", "heap": ""})},
		{name: "memory 64Gi", build: add(map[string]any{"memoryLimit": "64Gi"})},
		{name: "cpu 16", build: add(map[string]any{"cpuRequest": "16"})},
		{name: "cpu 16001m", build: add(map[string]any{"cpuRequest": "16001m"}), want: "cpu request 16001m is out of range (allowed: more than 0, at most 16)"},
		{name: "cpu 0", build: add(map[string]any{"cpuRequest": "0"}), want: "cpu request 0 is out of range (allowed: more than 0"},
		{name: "autoscaling 1 to 1 at 1%", build: add(map[string]any{"autoscaling": map[string]any{"min": 1, "max": 1, "targetCpu": 1}})},
		{name: "autoscaling to 100 at 100%", build: add(map[string]any{"autoscaling": map[string]any{"min": 1, "max": 100, "targetCpu": 100}})},
		{name: "autoscaling min above max", build: add(map[string]any{"autoscaling": map[string]any{"min": 3, "max": 2, "targetCpu": 80}}), want: "autoscaling min 3 is greater than max 2"},
		{name: "autoscaling at 101%", build: add(map[string]any{"autoscaling": map[string]any{"min": 1, "max": 2, "targetCpu": 101}}), want: "autoscaling targetCpu 101 is out of range (allowed: 1..100"},
		{name: "autoscaling at -1%", build: add(map[string]any{"autoscaling": map[string]any{"min": 1, "max": 2, "targetCpu": -1}}), want: "autoscaling targetCpu -1 is out of range"},
		{name: "heap equal to the limit", build: add(map[string]any{"memoryLimit": "512Mi", "heap": "-Xms512m -Xmx512m"})},
		{name: "heap above the limit", build: add(map[string]any{"memoryLimit": "512Mi", "heap": "-Xmx513m"}), want: "-Xmx (513Mi) is greater than the memory limit 512Mi"},
		{name: "initial heap above the maximum", build: add(map[string]any{"memoryLimit": "512Mi", "heap": "-Xms257m -Xmx256m"}), want: "-Xms is greater than -Xmx"},

		{name: "env value of 32 KiB", build: add(map[string]any{"env": []any{map[string]any{"name": "BIG", "value": long(32 * 1024)}}})},
		{name: "env value of 32 KiB and a byte", build: add(map[string]any{"env": []any{map[string]any{"name": "BIG", "value": long(32*1024 + 1)}}}), want: "value is 32769 bytes (allowed: at most 32768)"},
		{name: "env entry without a source", build: add(map[string]any{"env": []any{map[string]any{"name": "NONE"}}}), want: "(NONE): needs exactly one source (allowed: value, config, serviceHost, secret, fieldRef, checkout; found none)"},
		{name: "env entry of two sources", build: add(map[string]any{"env": []any{map[string]any{"name": "TWO", "value": "x", "config": "db-host"}}}), want: "found value, config)"},
		// Every bad entry is reported, not only the first.
		{name: "two bad env entries", build: add(map[string]any{"env": []any{map[string]any{"name": "A"}, map[string]any{"name": "B", "fieldRef": "bogus"}}}), want: `(B): fieldRef "bogus" is not a downward-API field`},
		{name: "remove then a bad entry", build: func(t *testing.T) string {
			return `{"services": {"egov-user": {"env": [{"name": "` + firstEnv(t, "egov-user") + `", "remove": true}, {"name": "NO_SOURCE"}]}}}`
		}, want: "(NO_SOURCE): needs exactly one source"},
		{name: "remove the first entry", build: func(t *testing.T) string {
			return `{"services": {"egov-user": {"env": [{"name": "` + firstEnv(t, "egov-user") + `", "remove": true}]}}}`
		}},
		{name: "empty checkout path", build: add(map[string]any{"gitSync": map[string]any{"repo": "egov-mdms-data"}, "env": []any{map[string]any{"name": "P", "checkout": map[string]any{"paths": []any{""}}}}}), want: `checkout path "" must be relative`},
		{name: "absolute checkout path", build: add(map[string]any{"gitSync": map[string]any{"repo": "egov-mdms-data"}, "env": []any{map[string]any{"name": "P", "checkout": map[string]any{"paths": []any{"/data"}}}}}), want: `checkout path "/data" must be relative`},

		{name: "secret name of 63", mutate: func(t *testing.T, c *Catalogue) {
			c.Secrets = append(c.Secrets, Secret{Name: long(63), Keys: []SecretKey{{Key: "k", Description: "d"}}})
		}},
		{name: "secret name of 64", mutate: func(t *testing.T, c *Catalogue) { c.Secrets = append(c.Secrets, Secret{Name: long(64)}) }, want: "name \"" + long(64) + "\" is not a Kubernetes object name"},
		{name: "unnamed secret", mutate: func(t *testing.T, c *Catalogue) { c.Secrets = append(c.Secrets, Secret{}) }, want: "]: name \"\" is not a Kubernetes object name"},
		{name: "secret key of 253", mutate: func(t *testing.T, c *Catalogue) {
			c.Secrets = append(c.Secrets, Secret{Name: "extra", Keys: []SecretKey{{Key: long(253), Description: "d"}}})
		}},
		{name: "secret key of 254", mutate: func(t *testing.T, c *Catalogue) {
			c.Secrets = append(c.Secrets, Secret{Name: "extra", Keys: []SecretKey{{Key: long(254), Description: "d"}}})
		}, want: "secret extra: key \"" + long(254) + "\" is not a Secret key"},
		{name: "config repo over http", mutate: func(t *testing.T, c *Catalogue) {
			r := c.ConfigRepos["egov-mdms-data"]
			r.URL = "http://github.com/egovernments/egov-mdms-data"
			c.ConfigRepos["egov-mdms-data"] = r
		}, want: "configRepos.egov-mdms-data: url \"http://github.com/egovernments/egov-mdms-data\" must be an https URL"},
		{name: "config repo branch with ..", mutate: func(t *testing.T, c *Catalogue) {
			r := c.ConfigRepos["egov-mdms-data"]
			r.Branch = "a..b"
			c.ConfigRepos["egov-mdms-data"] = r
		}, want: `configRepos.egov-mdms-data: branch "a..b" is not a branch name`},

		{name: "pool size 1", mutate: func(t *testing.T, c *Catalogue) { c.Database.PoolSize = 1 }},
		{name: "pool size 100", mutate: func(t *testing.T, c *Catalogue) { c.Database.PoolSize = 100 }},
		{name: "pool size 0", mutate: func(t *testing.T, c *Catalogue) { c.Database.PoolSize = 0 }, want: "database.poolSize: 0 is out of range (allowed: 1..100)"},
		{name: "pool size 101", mutate: func(t *testing.T, c *Catalogue) { c.Database.PoolSize = 101 }, want: "database.poolSize: 101 is out of range (allowed: 1..100)"},

		{name: "one partition", mutate: func(t *testing.T, c *Catalogue) { c.Backbone.Kafka.NumPartitions = 1 }},
		{name: "no partition", mutate: func(t *testing.T, c *Catalogue) { c.Backbone.Kafka.NumPartitions = 0 }, want: "backbone.kafka: numPartitions 0 must be at least 1"},
		{name: "replication factor of every broker", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.ReplicationFactor = c.Backbone.Kafka.Replicas
			c.Backbone.Kafka.OffsetsReplicationFactor = c.Backbone.Kafka.Replicas
		}},
		{name: "replication factor 1", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.ReplicationFactor, c.Backbone.Kafka.OffsetsReplicationFactor = 1, 1
		}},
		{name: "replication factor above the brokers", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.ReplicationFactor = c.Backbone.Kafka.Replicas + 1
		}, want: "backbone.kafka: replicationFactor 4 is out of range (allowed: 1..replicas, here 3)"},
		{name: "offsets replication factor 0", mutate: func(t *testing.T, c *Catalogue) {
			c.Backbone.Kafka.OffsetsReplicationFactor = 0
		}, want: "backbone.kafka: offsetsReplicationFactor 0 is out of range"},
		{name: "curator keeps 1 day", mutate: func(t *testing.T, c *Catalogue) { c.Backbone.Curator.RetentionDays = 1 }},
		{name: "curator keeps 0 days", mutate: func(t *testing.T, c *Catalogue) { c.Backbone.Curator.RetentionDays = 0 }, want: "backbone.curator: retentionDays 0 must be at least 1"},
		{name: "one trace", mutate: func(t *testing.T, c *Catalogue) { c.Tracing.MaxTraces = 1 }},
		{name: "no trace", mutate: func(t *testing.T, c *Catalogue) { c.Tracing.MaxTraces = 0 }, want: "tracing: maxTraces 0 must be at least 1"},

		{name: "module name of 63", mutate: func(t *testing.T, c *Catalogue) {
			c.Modules = append(c.Modules, Module{Name: long(63), Namespace: "extra"})
		}},
		{name: "module name of 64", mutate: func(t *testing.T, c *Catalogue) {
			c.Modules = append(c.Modules, Module{Name: long(64), Namespace: "extra"})
		}, want: "module " + long(64) + ": name must be lowercase letters"},
		{name: "module name with capitals", mutate: func(t *testing.T, c *Catalogue) {
			c.Modules = append(c.Modules, Module{Name: "Extra", Namespace: "extra"})
		}, want: "module Extra: name must be lowercase letters"},
		// The gateway may be disabled when no enabled service routes through it.
		{name: "no gateway and nothing via zuul", build: func(t *testing.T) string {
			return `{"modules": {"gateway": {"enabled": false}}}`
		}, mutate: func(t *testing.T, c *Catalogue) {
			for i := range c.Modules {
				c.Modules[i].Dependencies = slices.DeleteFunc(c.Modules[i].Dependencies, func(d string) bool { return d == "gateway" })
				for j := range c.Modules[i].Services {
					c.Modules[i].Services[j].ViaZuul = false
				}
			}
		}},
		{name: "workload name of 63", mutate: redis(func(w *Workload) { w.Name = long(63) })},
		{name: "workload name of 64", mutate: redis(func(w *Workload) { w.Name = long(64) }), want: "name \"" + long(64) + "\" is not a Kubernetes object name"},
		{name: "workload namespace of 63", mutate: redis(func(w *Workload) { w.Namespace = long(63) })},
		{name: "workload namespace of 64", mutate: redis(func(w *Workload) { w.Namespace = long(64) }), want: "is not a Kubernetes namespace name"},
		{name: "workload replicas 0", mutate: redis(func(w *Workload) { w.Replicas = 0 })},
		{name: "workload replicas 50", mutate: redis(func(w *Workload) { w.Replicas = 50 })},
		{name: "module namespace of 63", mutate: func(t *testing.T, c *Catalogue) { findModule(t, c, "frontend").Namespace = long(63) }},
		{name: "module namespace of 64", mutate: func(t *testing.T, c *Catalogue) { findModule(t, c, "frontend").Namespace = long(64) }, want: "module frontend: namespace \"" + long(64) + "\" is not a Kubernetes namespace name"},
		{name: "workload replicas 51", mutate: redis(func(w *Workload) { w.Replicas = 51 }), want: "backbone.redis (redis): replicas 51 is out of range (allowed: 0..50)"},
		{name: "workload replicas -1", mutate: redis(func(w *Workload) { w.Replicas = -1 }), want: "backbone.redis (redis): replicas -1 is out of range"},
		{name: "workload port 65535", mutate: redis(func(w *Workload) { w.Port = 65535 })},
		{name: "workload port 65536", mutate: redis(func(w *Workload) { w.Port = 65536 }), want: "backbone.redis (redis): port 65536 is out of range"},
		{name: "workload port -1", mutate: redis(func(w *Workload) { w.Port = -1 }), want: "backbone.redis (redis): port -1 is out of range"},
		{name: "limits equal to requests", mutate: redis(func(w *Workload) {
			w.Resources = Resources{Requests: ResourceList{CPU: "16", Memory: "64Gi"}, Limits: ResourceList{CPU: "16", Memory: "64Gi"}}
		})},
		{name: "cpu limit below request", mutate: redis(func(w *Workload) {
			w.Resources = Resources{Requests: ResourceList{CPU: "200m", Memory: "256Mi"}, Limits: ResourceList{CPU: "199m", Memory: "256Mi"}}
		}), want: "backbone.redis (redis): cpu limit 199m is below the request 200m"},
		{name: "memory limit below request", mutate: redis(func(w *Workload) {
			w.Resources = Resources{Requests: ResourceList{CPU: "200m", Memory: "256Mi"}, Limits: ResourceList{CPU: "200m", Memory: "255Mi"}}
		}), want: "backbone.redis (redis): memory limit 255Mi is below the request 256Mi"},
		{name: "memory request 0", mutate: redis(func(w *Workload) { w.Resources.Requests.Memory = "0" }), want: "memory request 0 is out of range (allowed: more than 0"},
		{name: "memory limit above 64Gi", mutate: redis(func(w *Workload) { w.Resources.Limits.Memory = "65Gi" }), want: "memory limit 65Gi is out of range (allowed: more than 0, at most 64Gi)"},
		{name: "heap within the request", mutate: redis(func(w *Workload) {
			w.Resources = Resources{Requests: ResourceList{CPU: "200m", Memory: "512Mi"}}
			w.JavaOpts = "-Xmx512m"
		})},
		{name: "heap above the request", mutate: redis(func(w *Workload) {
			w.Resources = Resources{Requests: ResourceList{CPU: "200m", Memory: "512Mi"}}
			w.JavaOpts = "-Xmx600m"
		}), want: "backbone.redis (redis): javaOpts \"-Xmx600m\": -Xmx (600Mi) is greater than the memory limit 512Mi"},
		{name: "volume 1Gi", mutate: redis(func(w *Workload) { w.VolumeSize = "1Gi" })},
		{name: "volume 0", mutate: redis(func(w *Workload) { w.VolumeSize = "0" }), want: `backbone.redis (redis): volumeSize "0" is not a positive Kubernetes quantity`},
		{name: "volume not a quantity", mutate: redis(func(w *Workload) { w.VolumeSize = "big" }), want: `volumeSize "big" is not a positive Kubernetes quantity`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := mustDefault(t)
			if tc.mutate != nil {
				tc.mutate(t, base)
			}
			js := ""
			if tc.build != nil {
				js = tc.build(t)
			}
			o, err := ParseOverrides([]byte(js))
			if err != nil {
				t.Fatalf("ParseOverrides(%s): %v", js, err)
			}
			_, err = Resolve(base, o)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("expected the catalogue to be accepted, got %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("expected an error containing %q, the catalogue was accepted", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("expected an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// TestExactFitIsAFit: a demand that takes every millicore, MiB and pod slot of the nodes fits (no headroom is
// required), and one more of any of them does not, with exactly that dimension named.
func TestExactFitIsAFit(t *testing.T) {
	per := Amount{MilliCPU: 1000, MemoryMiB: 1900, Pods: 10}
	shape := NodeShape{InstanceType: "box", Nodes: 2, PerNode: &per}
	demand := func(cpu, mem, pods int64) Demand {
		// One DaemonSet pod per node, the rest in one Deployment of pods-2 pods sharing what is left.
		var d Demand
		d.add(DemandLine{Name: "agent", Kind: DaemonSet, Pods: 1, PerNode: true, MilliCPU: 100, MemoryMiB: 100})
		n := pods - 2
		d.add(DemandLine{Name: "app", Kind: Deployment, Pods: n, MilliCPU: (cpu - 200) / n, MemoryMiB: (mem - 200) / n})
		return d
	}
	exact := demand(2000, 3800, 20)
	if exact.Total(2) != (Amount{2000, 3800, 20}) {
		t.Fatalf("the test's demand totals %+v, want exactly the nodes' 2000m, 3800Mi, 20 pods", exact.Total(2))
	}
	if err := Check(exact, shape); err != nil {
		t.Errorf("an exact fit was refused: %v", err)
	}
	f, _ := Evaluate(exact, shape)
	for _, label := range []string{"CPU (m)", "memory (Mi)", "pods"} {
		if row := rowOf(f.Table(), label); !strings.HasSuffix(row, "yes") {
			t.Errorf("table row %q of an exact fit does not say yes:\n%s", label, f.Table())
		}
	}
	over := func(d Demand, a Amount) Demand {
		d.add(DemandLine{Name: "extra", Kind: Deployment, Pods: a.Pods, MilliCPU: a.MilliCPU, MemoryMiB: a.MemoryMiB})
		return d
	}
	cpuOnly := exact
	cpuOnly.Fixed.MilliCPU++
	if err := Check(cpuOnly, shape); err == nil || !strings.Contains(err.Error(), "not enough CPU\n") {
		t.Errorf("one millicore over with every pod slot taken: got %v, want only CPU short", err)
	}
	for _, tc := range []struct {
		extra Amount
		short string
	}{
		// One pod of 1m and 0Mi: one pod slot too many, CPU one millicore over.
		{Amount{MilliCPU: 1, MemoryMiB: 0, Pods: 1}, "not enough CPU, pod slots\n"},
		{Amount{MilliCPU: 0, MemoryMiB: 1, Pods: 1}, "not enough memory, pod slots\n"},
		{Amount{MilliCPU: 0, MemoryMiB: 0, Pods: 1}, "not enough pod slots\n"},
	} {
		err := Check(over(exact, tc.extra), shape)
		if err == nil || !strings.Contains(err.Error(), tc.short) {
			t.Errorf("one more %+v: got %v, want %q", tc.extra, err, tc.short)
		}
	}
}

// TestLargestPodIsTheMostMemoryThenCPU: the pod the "largest pod" check places is the one of most memory; of two
// with the same memory, the one of more CPU; lines without pods are not pods.
func TestLargestPodIsTheMostMemoryThenCPU(t *testing.T) {
	var d Demand
	d.add(DemandLine{Name: "parked", Pods: 0, MilliCPU: 9000, MemoryMiB: 9000})
	d.add(DemandLine{Name: "a", Pods: 1, MilliCPU: 100, MemoryMiB: 500})
	d.add(DemandLine{Name: "b", Pods: 1, MilliCPU: 200, MemoryMiB: 500})
	d.add(DemandLine{Name: "c", Pods: 1, MilliCPU: 300, MemoryMiB: 400})
	d.add(DemandLine{Name: "d", Pods: 1, MilliCPU: 150, MemoryMiB: 500})
	d.add(DemandLine{Name: "e", Pods: 1, MilliCPU: 200, MemoryMiB: 500}) // b's twin: the first of the two is named
	if l, ok := d.largest(); !ok || l.Name != "b" {
		t.Errorf("largest = %q (%v), want b: 500Mi like a and d, and more CPU", l.Name, ok)
	}
	if _, ok := (Demand{Lines: []DemandLine{{Name: "parked", Pods: 0, MemoryMiB: 1}}}).largest(); ok {
		t.Error("a demand of parked lines only has a largest pod")
	}
}

// TestSuggestionsAreTheSmallestThatFit: more nodes suggests the fewest that fit, and another type the smallest.
func TestSuggestionsAreTheSmallestThatFit(t *testing.T) {
	per := Amount{MilliCPU: 1000, MemoryMiB: 1000, Pods: 100}
	var d Demand
	d.add(DemandLine{Name: "app", Kind: Deployment, Pods: 5, MilliCPU: 500, MemoryMiB: 500}) // 2500m: three nodes
	err := Check(d, NodeShape{InstanceType: "box", Nodes: 1, PerNode: &per})
	if err == nil || !strings.HasSuffix(err.Error(), "would fit: 3 x box") {
		t.Errorf("got %v, want the suggestion 3 x box", err)
	}
	sizes := instanceTypesBySize()
	for i := 1; i < len(sizes); i++ {
		a, b := InstanceTypes[sizes[i-1]], InstanceTypes[sizes[i]]
		if a.VCPU > b.VCPU || a.VCPU == b.VCPU && a.MemoryMiB > b.MemoryMiB ||
			a.VCPU == b.VCPU && a.MemoryMiB == b.MemoryMiB && sizes[i-1] > sizes[i] {
			t.Errorf("instance types out of order (vCPU, memory, then name): %s before %s", sizes[i-1], sizes[i])
		}
	}
}

// firstEnv is the name of the first env entry of a default catalogue service.
func firstEnv(t *testing.T, service string) string {
	t.Helper()
	for _, m := range mustDefault(t).Modules {
		for _, s := range m.Services {
			if s.Name == service && len(s.Env) > 0 {
				return s.Env[0].Name
			}
		}
	}
	t.Fatalf("%s has no env", service)
	return ""
}

// TestSuggestionsForAnEKSNodeGroup: on an EKS node group the suggestions are prefix delegation switched (with the
// kube-reserved memory it frees: 11Mi per pod slot), the fewest more nodes, and the first other type that fits.
func TestSuggestionsForAnEKSNodeGroup(t *testing.T) {
	// m4.large: 2 vCPU, 8192Mi, 20 pods without prefix delegation, 110 with.
	var d Demand
	// Memory that fits 2 nodes without prefix delegation (whose kube-reserved is 990Mi smaller) but not with it.
	d.add(DemandLine{Name: "app", Kind: Deployment, Pods: 2, MilliCPU: 100, MemoryMiB: 6500})
	err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 2, PrefixDelegation: true})
	want := "disable VPC CNI prefix delegation (20 pods per node instead of 110, which frees 990Mi of kube-reserved memory per node)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want the suggestion %q", err, want)
	}
	msg := err.Error()
	suggestions := msg[strings.Index(msg, "would fit: ")+len("would fit: "):]
	if parts := strings.Split(suggestions, "; or "); len(parts) != 3 {
		t.Errorf("suggestions %q: want prefix delegation, more nodes and one other type", suggestions)
	}
	// 50 more nodes is the furthest the search goes.
	var far Demand
	far.add(DemandLine{Name: "app", Kind: Deployment, Pods: 51, MilliCPU: 1000, MemoryMiB: 100})
	per := Amount{MilliCPU: 1000, MemoryMiB: 1000, Pods: 100}
	if err := Check(far, NodeShape{InstanceType: "box", Nodes: 1, PerNode: &per}); err == nil || !strings.HasSuffix(err.Error(), "would fit: 51 x box") {
		t.Errorf("51 nodes needed from 1: got %v", err)
	}
}

// TestJavaOptsAsTheJVMTakesThem: each heap setting gets exactly the errors the JVM would give it reason for, and
// no other: a zero maximum heap is refused once (not also as smaller than -Xms), a zero initial heap is the JVM's
// own choice, the last occurrence of an option counts.
func TestJavaOptsAsTheJVMTakesThem(t *testing.T) {
	limit := resource.MustParse("512Mi")
	for _, tc := range []struct {
		opts string
		want []string
	}{
		{opts: "-Xms256m -Xmx256m"},
		{opts: "-Xms0 -Xmx256m"},
		{opts: "-Xmx512m"},
		{opts: "-Xmx524288k -Xms524288k"},
		{opts: "-XX:+UseG1GC"},
		{opts: "-Xmx1g -Xmx256m", want: nil},
		{opts: "-Xmx256m -Xmx1g", want: []string{`-Xmx (1024Mi) is greater than the memory limit 512Mi`}},
		{opts: "-Xmx0", want: []string{`-Xmx0 is no heap (the JVM refuses to start; allowed: more than 0)`}},
		{opts: "-Xmx0 -Xms1m", want: []string{`-Xmx0 is no heap`}},
		{opts: "-Xms1m -Xmx0k", want: []string{`-Xmx0k is no heap`}},
		{opts: "-Xmxlots", want: []string{`-Xmxlots is not a JVM size`}},
		{opts: "-Xms-1m -Xmx256m", want: []string{`-Xms-1m is not a JVM size`}},
		{opts: "-Xms257m -Xmx256m", want: []string{`-Xms is greater than -Xmx`}},
		{opts: "-Xms256m", want: nil},
		{opts: "Xmx256m", want: []string{`"Xmx256m" is not a JVM option`}},
		{opts: "Xmx256m -Xmx0", want: []string{`"Xmx256m" is not a JVM option`, `-Xmx0 is no heap`}},
	} {
		var errs errorList
		checkJavaOpts("service s", "heap", tc.opts, limit, "512Mi", &errs)
		if len(errs.errs) != len(tc.want) {
			t.Errorf("%q: got %d errors %v, want %d %q", tc.opts, len(errs.errs), errs.errs, len(tc.want), tc.want)
			continue
		}
		for i, w := range tc.want {
			if got := errs.errs[i].Error(); !strings.HasPrefix(got, fmt.Sprintf("service s: heap %q: ", tc.opts)) ||
				!strings.Contains(got, w) {
				t.Errorf("%q: error %q, want it to name the entry and the option and contain %q", tc.opts, got, w)
			}
		}
	}
}

// TestNothingFitsSaysSo: a pod larger than any node of the shape cannot be helped by more nodes, and the error says
// so instead of an empty list of what would fit.
func TestNothingFitsSaysSo(t *testing.T) {
	per := Amount{MilliCPU: 1000, MemoryMiB: 1000, Pods: 100}
	var d Demand
	d.add(DemandLine{Name: "huge", Kind: Deployment, Pods: 1, MilliCPU: 100, MemoryMiB: 1001})
	err := Check(d, NodeShape{InstanceType: "box", Nodes: 3, PerNode: &per})
	want := "not enough room for the largest pod\n"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "would fit") ||
		!strings.HasSuffix(err.Error(), "nothing in the instance table fits with up to 50 more nodes; disable modules or lower replicas") {
		t.Errorf("got %v, want %q and that nothing fits", err, want)
	}
}

// TestTracingEnvOfServicesThatDoNotSay: a service without a tracing field is traced unless it is a frontend; with
// the tracing module disabled it gets the switch that turns tracing off instead.
func TestTracingEnvOfServicesThatDoNotSay(t *testing.T) {
	added := `"add": [{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1", "port": 8080,
		"contextPath": "my-svc"}, {"name": "my-ui", "module": "frontend", "kind": "frontend", "appType": "none",
		"image": "egovio/my-ui", "tag": "v1", "port": 80, "contextPath": "my-ui"}]`
	on := mustResolveJSON(t, `{`+added+`}`)
	off := mustResolveJSON(t, `{"modules": {"tracing": {"enabled": false}}, `+added+`}`)
	value := func(r *Resolved, svc, name string) (string, bool) {
		env, ok := r.ServiceEnv(svc)
		if !ok {
			t.Fatalf("no service %s", svc)
		}
		for _, e := range env {
			if e.Name == name {
				if e.Value == nil {
					return "(" + e.Config + ")", true
				}
				return *e.Value, true
			}
		}
		return "", false
	}
	for _, tc := range []struct {
		r         *Resolved
		svc, name string
		want      string // "" when the variable is absent
	}{
		{on, "my-svc", "JAEGER_SERVICE_NAME", "my-svc"},
		{on, "my-svc", "TRACER_OPENTRACING_ENABLED", "true"},
		{on, "my-ui", "JAEGER_SERVICE_NAME", ""},
		{on, "my-ui", "TRACER_OPENTRACING_ENABLED", ""},
		{off, "my-svc", "JAEGER_SERVICE_NAME", ""},
		{off, "my-svc", "TRACER_OPENTRACING_ENABLED", "false"},
		{off, "my-ui", "TRACER_OPENTRACING_ENABLED", ""},
	} {
		got, ok := value(tc.r, tc.svc, tc.name)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s %s = %q (set: %v), want %q", tc.svc, tc.name, got, ok, tc.want)
		}
	}
}

// TestAnEnvOverrideReplacesInPlace: overriding a service's first env entry changes that entry where it is; it is
// neither appended as a second entry of the name nor moved.
func TestAnEnvOverrideReplacesInPlace(t *testing.T) {
	first := firstEnv(t, "egov-user")
	before := mustResolveJSON(t, "")
	after := mustResolveJSON(t, `{"services": {"egov-user": {"env": [{"name": "`+first+`", "value": "replaced"}]}}}`)
	b, _ := before.Service("egov-user")
	a, _ := after.Service("egov-user")
	if len(a.Env) != len(b.Env) {
		t.Fatalf("env went from %d to %d entries, want the same", len(b.Env), len(a.Env))
	}
	if a.Env[0].Name != first || a.Env[0].Value == nil || *a.Env[0].Value != "replaced" || a.Env[0].Config != "" {
		t.Errorf("first entry = %+v, want %s with the value \"replaced\" and no other source", a.Env[0], first)
	}
	for i := 1; i < len(a.Env); i++ {
		if a.Env[i].Name != b.Env[i].Name {
			t.Errorf("entry %d is %s, was %s", i, a.Env[i].Name, b.Env[i].Name)
		}
	}
}

// TestGitSyncImageOnlyWhenAServiceSyncs: the git-sync init image is among the images to mirror exactly when some
// service clones a config repository.
func TestGitSyncImageOnlyWhenAServiceSyncs(t *testing.T) {
	base := mustDefault(t)
	gitSync := repositoryPath(base.InitImages.GitSync.Image)
	if r := mustResolveJSON(t, ""); !slices.Contains(r.Images(), gitSync) {
		t.Errorf("Images() = %v, want %s among them", r.Images(), gitSync)
	}
	for i := range base.Modules {
		for j := range base.Modules[i].Services {
			s := &base.Modules[i].Services[j]
			s.GitSync = nil
			s.Env = slices.DeleteFunc(s.Env, func(e EnvVar) bool { return e.Checkout != nil })
		}
	}
	r, err := Resolve(base, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(r.Images(), gitSync) {
		t.Errorf("Images() = %v, want no %s when no service syncs", r.Images(), gitSync)
	}
}

// TestStoresOfWithoutTheBackbone: with the backbone disabled a service addresses no store of it, whatever its env
// names (zuul's SPRING_REDIS_HOST is redis.backbone).
func TestStoresOfWithoutTheBackbone(t *testing.T) {
	r := mustResolveJSON(t, `{"modules": {"backbone": {"enabled": false}, "core": {"enabled": false},
		"business": {"enabled": false}, "frontend": {"enabled": false}, "logging": {"enabled": false}}}`)
	if got := envValue(t, r, "zuul", "SPRING_REDIS_HOST"); got != "redis.backbone" {
		t.Fatalf("zuul's SPRING_REDIS_HOST is %q; the test needs it to name the backbone's redis", got)
	}
	if got := r.StoresOf("zuul"); len(got) != 0 {
		t.Errorf("StoresOf(zuul) = %v without the backbone, want none", got)
	}
	if got := mustResolveJSON(t, "").StoresOf("zuul"); !slices.Equal(got, []Store{StoreKafka, StoreRedis}) {
		t.Errorf("StoresOf(zuul) = %v with the backbone, want [kafka redis]", got)
	}
}
