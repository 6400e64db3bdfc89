package stacks

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/stacks/config"
)

// CheckCapacity compares what the enabled catalogue requests with what the node group offers and fails, with a
// table, when it cannot fit. It runs before any resource is registered: a deploy that cannot schedule would
// otherwise register hundreds of resources and then hang on Pending pods.
func CheckCapacity(cfg *config.Config) error {
	shape, ok := NodeShape(cfg)
	if !ok {
		return nil
	}
	return catalogue.Check(cfg.Services.Catalogue.Demand(), shape)
}

// NodeShape is the node group the config describes; false when it describes none (an existing cluster without
// digit:nodes).
func NodeShape(cfg *config.Config) (catalogue.NodeShape, bool) {
	switch cfg.Target {
	case config.TargetAWS:
		ng := cfg.AWS.NodeGroup
		return catalogue.NodeShape{
			InstanceType: ng.InstanceType, Nodes: ng.Desired, PrefixDelegation: ng.PrefixDelegationEnabled(),
		}, true
	case config.TargetExisting:
		n := cfg.Existing.Nodes
		if n.Count == 0 {
			return catalogue.NodeShape{}, false
		}
		shape := catalogue.NodeShape{InstanceType: n.InstanceType, Nodes: n.Count}
		if n.InstanceType == "" {
			// Validated by config.Load, so the quantities parse.
			cpu, mem := resource.MustParse(n.CPU), resource.MustParse(n.Memory)
			shape.PerNode = &catalogue.Amount{
				MilliCPU: cpu.MilliValue(), MemoryMiB: mem.Value() / (1 << 20), Pods: int64(n.Pods),
			}
		}
		return shape, true
	}
	return catalogue.NodeShape{}, false
}
