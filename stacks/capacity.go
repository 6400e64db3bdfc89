package stacks

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"strings"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/stacks/config"
)

// CheckCapacity compares what the enabled catalogue requests with what the node group offers and fails, with a
// table, when it cannot fit. It runs before any resource is registered: a deploy that cannot schedule would
// otherwise register hundreds of resources and then hang on Pending pods.
func CheckCapacity(cfg *config.Config) error {
	if max, db, ok := maxConnections(cfg); ok {
		if err := cfg.Services.Catalogue.CheckConnections(max, db); err != nil {
			return err
		}
	}
	shape, ok := NodeShape(cfg)
	if !ok {
		return nil
	}
	return catalogue.Check(cfg.Services.Catalogue.Demand(), shape)
}

// maxConnections is the database's max_connections and how to name it; false when it is not known (an RDS class
// outside the table below).
func maxConnections(cfg *config.Config) (int, string, bool) {
	switch cfg.Target {
	case config.TargetAWS:
		class := cfg.Database.InstanceClass
		gib, ok := rdsMemoryGiB(class)
		if !ok {
			return 0, "", false
		}
		// RDS for PostgreSQL's default: LEAST(DBInstanceClassMemory/9531392, 5000), where the memory the formula
		// sees is about 90% of the class's (RDS keeps the rest).
		n := min(int(float64(gib)*(1<<30)*0.9/9531392), 5000)
		return n, "RDS " + class, true
	case config.TargetExisting:
		n := cfg.Database.MaxConnections
		return n, "the database (digit:database.maxConnections)", n > 0
	}
	return 0, "", false
}

// rdsMemoryGiB is the memory of an RDS instance class (db.<family>.<size>), for the families this project sizes.
func rdsMemoryGiB(class string) (int, bool) {
	parts := strings.Split(class, ".")
	if len(parts) != 3 {
		return 0, false
	}
	sizes := map[string]int{"large": 8, "xlarge": 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192,
		"16xlarge": 256, "24xlarge": 384}
	switch family := parts[1]; {
	case family == "t3" || family == "t4g":
		sizes = map[string]int{"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
	case strings.HasPrefix(family, "m5") || strings.HasPrefix(family, "m6") || strings.HasPrefix(family, "m7"):
	case strings.HasPrefix(family, "r5") || strings.HasPrefix(family, "r6") || strings.HasPrefix(family, "r7"):
		for k, v := range sizes {
			sizes[k] = 2 * v
		}
	default:
		return 0, false
	}
	gib, ok := sizes[parts[2]]
	return gib, ok
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
