package runner

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/stacks"
	"github.com/digit-iac/digit/stacks/config"
)

// defaultProgram is the program main.go runs under the CLI, so both ways of running deploy the same thing.
func defaultProgram(ctx *pulumi.Context) error { return stacks.Program(ctx) }

// defaultCheckConfig runs the program's own config loader over the stack's full config before the engine starts.
//
// Inside an inline program the loader cannot list the keys the stack sets (the Automation API gives the program
// neither PULUMI_CONFIG nor its root directory), so a misspelt key would otherwise go unnoticed; here every key
// is known.
func defaultCheckConfig(project, stack string, values map[string]ConfigValue) (StackSettings, error) {
	src := config.MapSource{Values: make(map[string]string, len(values))}
	for k, v := range values {
		src.Values[k] = v.Value
		if v.Secret {
			src.Secrets = append(src.Secrets, k)
		}
	}
	cfg, err := config.Load(src, project, stack)
	if err != nil {
		return StackSettings{}, err
	}
	return StackSettings{Parallel: cfg.Parallel, FinalCheckpointOnly: !cfg.CheckpointEveryStep}, nil
}

// defaultNeedsSharedState: every target but existing creates cloud resources.
func defaultNeedsSharedState(cfg map[string]string) bool {
	t, ok := cfg[config.Namespace+":target"]
	return ok && config.Target(t) != config.TargetExisting
}
