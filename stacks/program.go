// Package stacks wires the layers: it loads the typed stack config once, runs the cloud layer of the configured
// target, hands its Foundation to the service layer and exports the outputs.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/infra"
	infraaws "github.com/digit-iac/digit/infra/aws"
	infraazure "github.com/digit-iac/digit/infra/azure"
	"github.com/digit-iac/digit/infra/existing"
	"github.com/digit-iac/digit/stacks/config"
)

// Layers maps each target to its cloud layer. Adding a cloud is one package under infra/ (its layer and, registered
// from its init, its config section: config.Register) and one entry here.
var Layers = map[config.Target]infra.Layer{
	config.TargetAWS:      infraaws.Deploy,
	config.TargetExisting: existing.Deploy,
	infraazure.Target:     infraazure.Deploy,
}

// Program is the Pulumi program: main.go runs it under the CLI, the runner runs it inline.
func Program(ctx *pulumi.Context) error {
	cfg, err := config.Load(config.FromContext(ctx), ctx.Project(), ctx.Stack())
	if err != nil {
		return err
	}
	return Deploy(ctx, cfg)
}

// Deploy registers both layers for an already validated config and exports the stack outputs.
func Deploy(ctx *pulumi.Context, cfg *config.Config) error {
	outputs, err := Register(ctx, cfg)
	if err != nil {
		return err
	}
	for k, v := range outputs {
		ctx.Export(k, v)
	}
	return nil
}

// Register registers both layers and returns the stack outputs (tests inspect them; Deploy exports them).
func Register(ctx *pulumi.Context, cfg *config.Config) (pulumi.Map, error) {
	if err := CheckCapacity(cfg); err != nil {
		return nil, err
	}
	layer, ok := Layers[cfg.Target]
	if !ok {
		return nil, fmt.Errorf("digit:target: no cloud layer for %q", cfg.Target)
	}
	f, err := layer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cloud layer (%s): %w", cfg.Target, err)
	}
	outputs, err := DeployServices(ctx, cfg, f)
	if err != nil {
		return nil, fmt.Errorf("service layer: %w", err)
	}
	return outputs, nil
}
