package catalogue

import (
	"strings"
	"testing"
)

func TestAllocatableFollowsTheEKSFormula(t *testing.T) {
	cases := []struct {
		instance string
		pd       bool
		want     Amount
	}{
		// 2000m - (60m + 10m); 8192Mi - (255Mi + 11Mi x pods) - 100Mi.
		{"m4.large", false, Amount{MilliCPU: 1930, MemoryMiB: 8192 - 255 - 11*20 - 100, Pods: 20}},
		{"m4.large", true, Amount{MilliCPU: 1930, MemoryMiB: 8192 - 255 - 11*110 - 100, Pods: 110}},
		// 4 cores: 60 + 10 + 5 + 5.
		{"m5.xlarge", false, Amount{MilliCPU: 4000 - 80, MemoryMiB: 16384 - 255 - 11*58 - 100, Pods: 58}},
		// 16 cores: 60 + 10 + 5 + 5 + 12 x 2.5.
		{"m5.4xlarge", false, Amount{MilliCPU: 16000 - 110, MemoryMiB: 65536 - 255 - 11*234 - 100, Pods: 234}},
	}
	for _, c := range cases {
		if got := InstanceTypes[c.instance].Allocatable(c.pd); got != c.want {
			t.Errorf("%s (prefix delegation %v): allocatable %+v, want %+v", c.instance, c.pd, got, c.want)
		}
	}
	for _, family := range []string{"m4", "m5", "m6i", "t3", "c5", "r5"} {
		for _, size := range []string{"large", "xlarge", "2xlarge"} {
			if _, ok := InstanceTypes[family+"."+size]; !ok {
				t.Errorf("instance table lacks %s.%s", family, size)
			}
		}
	}
}

func TestDemandCountsEveryPodOfTheEnabledCatalogue(t *testing.T) {
	r := mustResolveJSON(t, "")
	d := r.Demand()
	// Services: 30 + 1 + 4 + 3 with egov-user at 2 replicas and national-dashboard-kafka-pipeline at 3.
	// Workloads: backbone 3+3+3+3+1+1+1+1, gateway 2 + 3 (cert-manager), prometheus 1, jaeger 1.
	if want := int64(38 + 1 + 2 + 16 + 5 + 2); d.Fixed.Pods != want {
		t.Errorf("fixed pods = %d, want %d", d.Fixed.Pods, want)
	}
	if d.PerNode != (Amount{MilliCPU: 50, MemoryMiB: 64, Pods: 1}) {
		t.Errorf("per-node demand = %+v, want fluent-bit only", d.PerNode)
	}
	// Raising one service's replicas adds exactly its requests.
	bigger := mustResolveJSON(t, `{"services": {"egov-user": {"replicas": 4}}}`).Demand()
	if diff := (Amount{bigger.Fixed.MilliCPU - d.Fixed.MilliCPU, bigger.Fixed.MemoryMiB - d.Fixed.MemoryMiB,
		bigger.Fixed.Pods - d.Fixed.Pods}); diff != (Amount{200, 1024, 2}) {
		t.Errorf("two more egov-user replicas added %+v, want 200m, 1024Mi, 2 pods", diff)
	}
	// An autoscaler minimum above the replicas is what runs.
	floor := mustResolveJSON(t, `{"services": {"egov-user": {"autoscaling": {"min": 5}}}}`).Demand()
	if floor.Fixed.Pods != d.Fixed.Pods+3 {
		t.Errorf("autoscaling min 5 on a 2-replica service: pods %d, want %d", floor.Fixed.Pods, d.Fixed.Pods+3)
	}
	// Disabling logging removes the DaemonSet.
	if noLogs := mustResolveJSON(t, `{"modules": {"logging": {"enabled": false}}}`).Demand(); noLogs.PerNode != (Amount{}) {
		t.Errorf("per-node demand without logging = %+v, want none", noLogs.PerNode)
	}
}

// The default node group is 6 x m4.large with prefix delegation on; the default catalogue must fit on it.
func TestDefaultCatalogueFitsOnSixM4LargeWithPrefixDelegation(t *testing.T) {
	d := mustResolveJSON(t, "").Demand()
	shape := NodeShape{InstanceType: "m4.large", Nodes: 6, PrefixDelegation: true}
	if err := Check(d, shape); err != nil {
		t.Fatalf("default catalogue does not fit:\n%v", err)
	}
	f, _ := Evaluate(d, shape)
	t.Logf("default catalogue:\n%s", f.Table())
}

// Measured, not assumed: the default catalogue is memory-bound on m4.large. Its 92 pods fit in the 120 slots the
// default VPC CNI gives 6 nodes, and without prefix delegation the kubelet reserves 990Mi less per node, so it fits
// with room to spare. Should the catalogue grow past the slots, this test says so.
func TestDefaultCatalogueAlsoFitsWithoutPrefixDelegation(t *testing.T) {
	d := mustResolveJSON(t, "").Demand()
	shape := NodeShape{InstanceType: "m4.large", Nodes: 6}
	f, _ := Evaluate(d, shape)
	if err := Check(d, shape); err != nil {
		t.Fatalf("%v", err)
	}
	withPD, _ := Evaluate(d, NodeShape{InstanceType: "m4.large", Nodes: 6, PrefixDelegation: true})
	if f.Allocatable.MemoryMiB-withPD.Allocatable.MemoryMiB != 6*11*90 {
		t.Errorf("prefix delegation should cost 11Mi x 90 extra pod slots per node of kube-reserved memory")
	}
	t.Logf("without prefix delegation:\n%s", f.Table())
}

// Many small pods exhaust m4.large's 20 pod slots long before its memory: the check must say pods, show the table
// and point at prefix delegation.
func TestPodSlotsBindWithoutPrefixDelegation(t *testing.T) {
	// Park the heaviest optional services and run many small frontend replicas.
	small := `{"replicas": 13, "cpuRequest": "10m", "memoryLimit": "64Mi"}`
	r := mustResolveJSON(t, `{"services": {
		"national-dashboard-kafka-pipeline": {"replicas": 0}, "egov-user-chatbot": {"replicas": 0},
		"xstate-chatbot": {"replicas": 0}, "egov-common-masters": {"replicas": 0}, "egov-data-uploader": {"replicas": 0},
		"citizen": `+small+`, "employee": `+small+`, "digit-ui": `+small+`}}`)
	d := r.Demand()

	err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 6})
	if err == nil {
		t.Fatal("fits without prefix delegation; the scenario no longer exhausts pod slots")
	}
	msg := err.Error()
	for _, want := range []string{
		"does not fit on 6 x m4.large (prefix delegation off): not enough pod slots",
		"needed  allocatable  fits?",
		"CPU (m)", "memory (Mi)",
		"enable VPC CNI prefix delegation (110 pods per node instead of 20)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(rowOf(msg, "pods"), "NO") || strings.Contains(rowOf(msg, "memory (Mi)"), "NO") ||
		strings.Contains(rowOf(msg, "CPU (m)"), "NO") {
		t.Errorf("only the pods row should say NO:\n%s", msg)
	}
	if err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 6, PrefixDelegation: true}); err != nil {
		t.Errorf("with prefix delegation it should fit:\n%v", err)
	}
}

func TestOversizedServiceFailsOnMemory(t *testing.T) {
	d := mustResolveJSON(t, `{"services": {"egov-user": {"replicas": 3, "memoryLimit": "8Gi"}}}`).Demand()
	err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 6, PrefixDelegation: true})
	if err == nil {
		t.Fatal("three 8Gi replicas fit on six m4.large nodes?")
	}
	msg := err.Error()
	if !strings.Contains(rowOf(msg, "memory (Mi)"), "NO") {
		t.Errorf("memory row should say NO:\n%s", msg)
	}
	// An 8Gi pod cannot fit on an 8GiB node at all: more nodes of the type cannot help; the smallest type that
	// can (fewest vCPUs, then least memory) is suggested.
	for _, want := range []string{"largest pod: egov-user (100m, 8192Mi) does NOT fit on one node",
		"would fit: 6 x r5.large"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(rowOf(msg, "would fit:"), "m4.large") {
		t.Errorf("suggests m4.large nodes, which cannot hold the pod:\n%s", msg)
	}
}

func TestMemoryShortfallSuggestsMoreNodes(t *testing.T) {
	d := mustResolveJSON(t, `{"modules": {"m_pgr": {"enabled": true}, "m_property-tax": {"enabled": true}}}`).Demand()
	err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 6, PrefixDelegation: true})
	if err == nil {
		t.Fatal("two more modules still fit; the default has more room than this test assumes")
	}
	// Prefix delegation costs 990Mi of kube-reserved memory per m4.large; the check says so when that matters.
	for _, want := range []string{"7 x m4.large", "disable VPC CNI prefix delegation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 6}); err != nil {
		t.Errorf("without prefix delegation it should fit:\n%v", err)
	}
}

func TestCheckRejectsShapesItCannotDescribe(t *testing.T) {
	d := mustResolveJSON(t, "").Demand()
	err := Check(d, NodeShape{InstanceType: "m9.huge", Nodes: 6})
	if err == nil || !strings.Contains(err.Error(), `instance type "m9.huge" is unknown`) ||
		!strings.Contains(err.Error(), "m4.large") {
		t.Errorf("want an error naming the type and listing known ones, got %v", err)
	}
	if err := Check(d, NodeShape{InstanceType: "m4.large", Nodes: 0}); err == nil {
		t.Error("zero nodes accepted")
	}
}

func TestCustomNodeShapeSkipsEKSSystemPods(t *testing.T) {
	d := mustResolveJSON(t, "").Demand()
	per := Amount{MilliCPU: 4000, MemoryMiB: 15000, Pods: 110}
	f, err := Evaluate(d, NodeShape{InstanceType: "kind-worker", Nodes: 3, PerNode: &per})
	if err != nil {
		t.Fatal(err)
	}
	if f.Needed != d.Total(3) {
		t.Errorf("needed %+v, want the catalogue's own demand %+v", f.Needed, d.Total(3))
	}
	if !strings.Contains(f.Table(), "3 x kind-worker") {
		t.Errorf("table does not name the shape:\n%s", f.Table())
	}
}

// rowOf returns the table line that starts with label.
func rowOf(msg, label string) string {
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), label) {
			return line
		}
	}
	return ""
}
