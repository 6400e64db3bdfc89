package stacks

import (
	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/stacks/config"
)

// CheckCapacity compares what the enabled catalogue requests with what the node group offers and fails, with a
// table, when it cannot fit. It runs before any resource is registered: a deploy that cannot schedule would
// otherwise register hundreds of resources and then hang on Pending pods. The target's config section says what
// the nodes and the database are.
func CheckCapacity(cfg *config.Config) error {
	if max, db, ok := cfg.Cloud.MaxConnections(cfg.Database); ok {
		if err := cfg.Services.Catalogue.CheckConnections(max, db); err != nil {
			return err
		}
	}
	shape, ok := cfg.Cloud.NodeShape()
	if !ok {
		return nil
	}
	return catalogue.Check(cfg.Services.Catalogue.Demand(), shape)
}
