package catalogue

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// The capacity check answers, before anything is deployed, whether the requests of everything the service layer
// runs fit into what the node group can allocate. It is an aggregate check: passing it is necessary, not
// sufficient (a 2Gi Elasticsearch pod still needs 2Gi free on one node), but failing it means pods would stay
// Pending, which is far cheaper to learn from a preview than from a half-deployed stack.

// Amount is a quantity of schedulable resources.
type Amount struct {
	MilliCPU  int64
	MemoryMiB int64
	Pods      int64
}

func (a Amount) plus(b Amount) Amount {
	return Amount{a.MilliCPU + b.MilliCPU, a.MemoryMiB + b.MemoryMiB, a.Pods + b.Pods}
}

func (a Amount) times(n int64) Amount {
	return Amount{a.MilliCPU * n, a.MemoryMiB * n, a.Pods * n}
}

// covers reports whether a is at least b in every dimension.
func (a Amount) covers(b Amount) bool {
	return a.MilliCPU >= b.MilliCPU && a.MemoryMiB >= b.MemoryMiB && a.Pods >= b.Pods
}

// DemandLine is one workload's contribution: Pods pods (per node when PerNode) requesting MilliCPU and MemoryMiB
// each.
type DemandLine struct {
	Module    string
	Name      string
	Kind      WorkloadKind
	Pods      int64
	PerNode   bool
	MilliCPU  int64
	MemoryMiB int64
}

// Demand is what the service layer asks of the cluster's scheduler.
type Demand struct {
	// Fixed is the total of pods whose count does not depend on the node count.
	Fixed Amount
	// PerNode is what DaemonSets add on every node.
	PerNode Amount
	// Lines itemise Fixed and PerNode, in module order.
	Lines []DemandLine
}

// Demand totals the requests of everything the enabled catalogue runs: services (replicas, or the autoscaler's
// minimum when higher, times the requests; a service's memory request is its limit), backbone StatefulSets and
// Deployments, gateway pods (cert-manager's too, whether or not a domain is set, so that adding a domain later
// cannot break the fit), infra Deployments, CronJob pods (counted as if always running: they need the room when
// they run) and DaemonSet pods on every node.
func (r *Resolved) Demand() Demand {
	var d Demand
	for _, mod := range r.order {
		for _, s := range r.modules[mod].Services {
			pods := int64(s.Replicas)
			if s.Autoscaling != nil {
				pods = max(pods, int64(s.Autoscaling.Min))
			}
			d.add(DemandLine{Module: mod, Name: s.Name, Kind: Deployment, Pods: pods,
				MilliCPU: milliCPU(s.CPURequest), MemoryMiB: mebibytes(s.MemoryLimit)})
		}
		for _, w := range r.cat.workloads(mod) {
			line := DemandLine{Module: mod, Name: w.Name, Kind: w.Kind, Pods: int64(w.Replicas),
				MilliCPU: milliCPU(w.Resources.Requests.CPU), MemoryMiB: mebibytes(w.Resources.Requests.Memory)}
			if w.Kind == DaemonSet {
				line.Pods, line.PerNode = 1, true
			}
			d.add(line)
		}
	}
	return d
}

func (d *Demand) add(l DemandLine) {
	d.Lines = append(d.Lines, l)
	a := Amount{l.MilliCPU * l.Pods, l.MemoryMiB * l.Pods, l.Pods}
	if l.PerNode {
		d.PerNode = d.PerNode.plus(a)
	} else {
		d.Fixed = d.Fixed.plus(a)
	}
}

// Total is the demand on a cluster of the given number of nodes.
func (d Demand) Total(nodes int) Amount {
	return d.Fixed.plus(d.PerNode.times(int64(nodes)))
}

// largest returns the line whose single pod requests the most memory (CPU breaks ties).
func (d Demand) largest() (DemandLine, bool) {
	var best DemandLine
	found := false
	for _, l := range d.Lines {
		if l.Pods == 0 {
			continue
		}
		if !found || l.MemoryMiB > best.MemoryMiB || (l.MemoryMiB == best.MemoryMiB && l.MilliCPU > best.MilliCPU) {
			best, found = l, true
		}
	}
	return best, found
}

// withLines returns d with more lines added (for the EKS system pods).
func (d Demand) withLines(lines []DemandLine) Demand {
	out := Demand{Fixed: d.Fixed, PerNode: d.PerNode, Lines: append([]DemandLine{}, d.Lines...)}
	for _, l := range lines {
		out.add(l)
	}
	return out
}

func milliCPU(q string) int64 {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0 // unreachable: Resolve validated every quantity
	}
	return v.MilliValue()
}

func mebibytes(q string) int64 {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0 // unreachable: Resolve validated every quantity
	}
	return (v.Value() + (1 << 20) - 1) >> 20
}

// InstanceSpec is an EC2 instance type as EKS schedules on it.
type InstanceSpec struct {
	VCPU      int
	MemoryMiB int64
	// MaxPodsDefault is the kubelet's max pods with the default VPC CNI: one pod per secondary IP,
	// ENIs x (IPs per ENI - 1) + 2 (the EKS AMI's eni-max-pods.txt).
	MaxPodsDefault int
	// MaxPodsPrefixDelegation is the max pods with ENABLE_PREFIX_DELEGATION: the max-pods calculator's value,
	// capped at 110 below 30 vCPUs (so a 4xlarge gets fewer slots with prefix delegation than without).
	MaxPodsPrefixDelegation int
}

// InstanceTypes are the instance types the capacity check knows.
var InstanceTypes = map[string]InstanceSpec{
	"t3.medium":   {2, 4096, 17, 110},
	"t3.large":    {2, 8192, 35, 110},
	"t3.xlarge":   {4, 16384, 58, 110},
	"t3.2xlarge":  {8, 32768, 58, 110},
	"m4.large":    {2, 8192, 20, 110},
	"m4.xlarge":   {4, 16384, 58, 110},
	"m4.2xlarge":  {8, 32768, 58, 110},
	"m4.4xlarge":  {16, 65536, 234, 110},
	"m5.large":    {2, 8192, 29, 110},
	"m5.xlarge":   {4, 16384, 58, 110},
	"m5.2xlarge":  {8, 32768, 58, 110},
	"m5.4xlarge":  {16, 65536, 234, 110},
	"m6i.large":   {2, 8192, 29, 110},
	"m6i.xlarge":  {4, 16384, 58, 110},
	"m6i.2xlarge": {8, 32768, 58, 110},
	"m6i.4xlarge": {16, 65536, 234, 110},
	"c5.large":    {2, 4096, 29, 110},
	"c5.xlarge":   {4, 8192, 58, 110},
	"c5.2xlarge":  {8, 16384, 58, 110},
	"c5.4xlarge":  {16, 32768, 234, 110},
	"r5.large":    {2, 16384, 29, 110},
	"r5.xlarge":   {4, 32768, 58, 110},
	"r5.2xlarge":  {8, 65536, 58, 110},
	"r5.4xlarge":  {16, 131072, 234, 110},
}

// MaxPods is the kubelet's pod limit on this instance type.
func (s InstanceSpec) MaxPods(prefixDelegation bool) int {
	if prefixDelegation {
		return s.MaxPodsPrefixDelegation
	}
	return s.MaxPodsDefault
}

// Allocatable is what one node offers to pods, computed as the EKS AMI configures the kubelet:
// kube-reserved CPU is 6% of the first core, 1% of the second, 0.5% of the third and fourth and 0.25% of every
// further core; kube-reserved memory is 255Mi + 11Mi per pod the node may run; the hard eviction threshold keeps
// another 100Mi free.
func (s InstanceSpec) Allocatable(prefixDelegation bool) Amount {
	maxPods := int64(s.MaxPods(prefixDelegation))
	memReserved := 255 + 11*maxPods + 100
	return Amount{
		MilliCPU:  int64(s.VCPU)*1000 - reservedMilliCPU(s.VCPU),
		MemoryMiB: s.MemoryMiB - memReserved,
		Pods:      maxPods,
	}
}

// reservedMilliCPU is EKS's kube-reserved CPU for a node of vcpu cores.
func reservedMilliCPU(vcpu int) int64 {
	// In tenths of a millicore, so that 0.25% of a core (2.5m) stays exact.
	var tenths int64
	for core := 1; core <= vcpu; core++ {
		switch {
		case core == 1:
			tenths += 600
		case core == 2:
			tenths += 100
		case core <= 4:
			tenths += 50
		default:
			tenths += 25
		}
	}
	return (tenths + 9) / 10
}

// EKSSystemPods are the pods EKS itself runs (VPC CNI, kube-proxy and EBS CSI add-ons, CoreDNS), with the requests
// of their add-on manifests. They take pod slots and resources like any other pod.
var EKSSystemPods = []DemandLine{
	{Module: "eks", Name: "aws-node", Kind: DaemonSet, Pods: 1, PerNode: true, MilliCPU: 25},
	{Module: "eks", Name: "kube-proxy", Kind: DaemonSet, Pods: 1, PerNode: true, MilliCPU: 100},
	// Three containers (driver, node-driver-registrar, liveness-probe) of 10m/40Mi.
	{Module: "eks", Name: "ebs-csi-node", Kind: DaemonSet, Pods: 1, PerNode: true, MilliCPU: 30, MemoryMiB: 120},
	{Module: "eks", Name: "coredns", Kind: Deployment, Pods: 2, MilliCPU: 100, MemoryMiB: 70},
	// Six containers (driver, provisioner, attacher, snapshotter, resizer, liveness-probe) of 10m/40Mi.
	{Module: "eks", Name: "ebs-csi-controller", Kind: Deployment, Pods: 2, MilliCPU: 60, MemoryMiB: 240},
}

// NodeShape is the node group the catalogue must fit on.
type NodeShape struct {
	// InstanceType is an EC2 instance type of InstanceTypes; with PerNode set it is only a label.
	InstanceType     string
	Nodes            int
	PrefixDelegation bool
	// PerNode, when set, is the allocatable of one node of a cluster the instance table does not describe (an
	// existing cluster); EKS system pods are then not added (they are the cluster's own business, and its
	// allocatable should leave room for them).
	PerNode *Amount
}

func (n NodeShape) String() string {
	if n.PerNode != nil {
		label := n.InstanceType
		if label == "" {
			label = "node"
		}
		return fmt.Sprintf("%d x %s", n.Nodes, label)
	}
	pd := "off"
	if n.PrefixDelegation {
		pd = "on"
	}
	return fmt.Sprintf("%d x %s (prefix delegation %s)", n.Nodes, n.InstanceType, pd)
}

// Fit is the comparison of a demand with a node group.
type Fit struct {
	Shape NodeShape
	// PerNode is one node's allocatable; Allocatable is the node group's.
	PerNode     Amount
	Allocatable Amount
	// Needed is the demand on this many nodes, EKS system pods included for instance types of the table.
	Needed Amount
	// Largest is the pod with the largest memory request; LargestFits says whether it fits on one empty node.
	Largest     DemandLine
	LargestFits bool
}

// Fits reports whether the demand fits in every dimension and its largest pod fits on one node.
func (f Fit) Fits() bool { return f.Allocatable.covers(f.Needed) && f.LargestFits }

// Table renders the comparison: rows CPU (m), memory (Mi) and pods; columns needed, allocatable and fits?.
func (f Fit) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, per node %dm CPU, %dMi memory, %d pods:\n", f.Shape, f.PerNode.MilliCPU,
		f.PerNode.MemoryMiB, f.PerNode.Pods)
	fmt.Fprintf(&b, "  %-12s %8s %12s  %s\n", "", "needed", "allocatable", "fits?")
	row := func(name string, needed, alloc int64) {
		fits := "yes"
		if needed > alloc {
			fits = "NO"
		}
		fmt.Fprintf(&b, "  %-12s %8d %12d  %s\n", name, needed, alloc, fits)
	}
	row("CPU (m)", f.Needed.MilliCPU, f.Allocatable.MilliCPU)
	row("memory (Mi)", f.Needed.MemoryMiB, f.Allocatable.MemoryMiB)
	row("pods", f.Needed.Pods, f.Allocatable.Pods)
	if f.Largest.Name != "" {
		verdict := "fits on one node"
		if !f.LargestFits {
			verdict = "does NOT fit on one node"
		}
		fmt.Fprintf(&b, "  largest pod: %s (%dm, %dMi) %s\n", f.Largest.Name, f.Largest.MilliCPU,
			f.Largest.MemoryMiB, verdict)
	}
	return b.String()
}

// Evaluate compares a demand with a node group. It fails only for a node group it cannot describe (unknown
// instance type, no nodes).
func Evaluate(d Demand, nodes NodeShape) (Fit, error) {
	if nodes.Nodes < 1 {
		return Fit{}, fmt.Errorf("capacity check: node count %d must be at least 1", nodes.Nodes)
	}
	perNode := Amount{}
	if nodes.PerNode != nil {
		perNode = *nodes.PerNode
	} else {
		spec, ok := InstanceTypes[nodes.InstanceType]
		if !ok {
			return Fit{}, fmt.Errorf("capacity check: instance type %q is unknown (known: %s)", nodes.InstanceType,
				strings.Join(knownInstanceTypes(), ", "))
		}
		perNode = spec.Allocatable(nodes.PrefixDelegation)
		d = d.withLines(EKSSystemPods)
	}
	f := Fit{
		Shape:       nodes,
		PerNode:     perNode,
		Allocatable: perNode.times(int64(nodes.Nodes)),
		Needed:      d.Total(nodes.Nodes),
		LargestFits: true,
	}
	if l, ok := d.largest(); ok {
		f.Largest = l
		// The largest pod shares its node with one pod of every DaemonSet.
		f.LargestFits = perNode.covers(Amount{l.MilliCPU, l.MemoryMiB, 1}.plus(d.PerNode))
	}
	return f, nil
}

// Check returns nil when the demand fits on the node group, and otherwise an error whose message holds the
// comparison table and what would fit instead. No headroom is required: a fit with nothing to spare is a fit.
func Check(d Demand, nodes NodeShape) error {
	f, err := Evaluate(d, nodes)
	if err != nil {
		return err
	}
	if f.Fits() {
		return nil
	}
	var short []string
	if f.Needed.MilliCPU > f.Allocatable.MilliCPU {
		short = append(short, "CPU")
	}
	if f.Needed.MemoryMiB > f.Allocatable.MemoryMiB {
		short = append(short, "memory")
	}
	if f.Needed.Pods > f.Allocatable.Pods {
		short = append(short, "pod slots")
	}
	if !f.LargestFits {
		short = append(short, "room for the largest pod")
	}
	msg := fmt.Sprintf("the catalogue does not fit on %s: not enough %s\n%s", nodes, strings.Join(short, ", "),
		f.Table())
	if s := fittingNodeGroups(d, nodes); len(s) > 0 {
		msg += "would fit: " + strings.Join(s, "; or ")
	} else {
		msg += "nothing in the instance table fits with up to 50 more nodes; disable modules or lower replicas"
	}
	return fmt.Errorf("%s", msg)
}

// fittingNodeGroups lists node groups that would fit: prefix delegation switched (on for more pod slots, or off for more
// memory), more nodes of the same type, or the smallest known type at the same node count.
func fittingNodeGroups(d Demand, nodes NodeShape) []string {
	fits := func(n NodeShape) bool {
		f, err := Evaluate(d, n)
		return err == nil && f.Fits()
	}
	var out []string
	if nodes.PerNode == nil {
		toggled := nodes
		toggled.PrefixDelegation = !nodes.PrefixDelegation
		if fits(toggled) {
			spec := InstanceTypes[nodes.InstanceType]
			if toggled.PrefixDelegation {
				out = append(out, fmt.Sprintf("enable VPC CNI prefix delegation (%d pods per node instead of %d)",
					spec.MaxPodsPrefixDelegation, spec.MaxPodsDefault))
			} else {
				// Prefix delegation raises max pods, and kube-reserved memory grows 11Mi with every pod slot.
				out = append(out, fmt.Sprintf("disable VPC CNI prefix delegation (%d pods per node instead of %d, "+
					"which frees %dMi of kube-reserved memory per node)", spec.MaxPodsDefault,
					spec.MaxPodsPrefixDelegation, 11*(spec.MaxPodsPrefixDelegation-spec.MaxPodsDefault)))
			}
		}
	}
	for n := nodes.Nodes + 1; n <= nodes.Nodes+50; n++ {
		more := nodes
		more.Nodes = n
		if fits(more) {
			out = append(out, fmt.Sprintf("%d x %s", n, nodeLabel(nodes)))
			break
		}
	}
	if nodes.PerNode == nil {
		for _, t := range instanceTypesBySize() {
			other := nodes
			other.InstanceType = t
			if t != nodes.InstanceType && fits(other) {
				out = append(out, fmt.Sprintf("%d x %s", nodes.Nodes, t))
				break
			}
		}
	}
	return out
}

func nodeLabel(n NodeShape) string {
	if n.InstanceType == "" {
		return "this shape"
	}
	return n.InstanceType
}

func knownInstanceTypes() []string {
	out := make([]string, 0, len(InstanceTypes))
	for t := range InstanceTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// instanceTypesBySize orders the table smallest first (vCPU, then memory, then name), so that the first that fits
// is the cheapest-looking suggestion.
func instanceTypesBySize() []string {
	out := knownInstanceTypes()
	slices.SortStableFunc(out, func(x, y string) int {
		a, b := InstanceTypes[x], InstanceTypes[y]
		return cmp.Or(cmp.Compare(a.VCPU, b.VCPU), cmp.Compare(a.MemoryMiB, b.MemoryMiB))
	})
	return out
}
