package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/digit-iac/digit/internal/stateful"
)

// StatefulTypes are the resource types whose replacement or deletion loses data (stateful.Types): an up whose plan
// would replace or delete one is refused unless Options.AllowDataLoss is set.
var StatefulTypes = stateful.Types

// losesData are the plan steps that destroy a resource's data.
var losesData = map[string]bool{
	"delete": true, "replace": true, "create-replacement": true, "delete-replaced": true,
	"discard": false, // a read resource going away deletes nothing
}

// statefulInState reports whether the stack's checkpoint holds any stateful resource: only then can a plan lose
// data (a new one can only be created), and only then does Up pay for the guard's preview.
func statefulInState(checkpoint []byte) (bool, error) {
	d, err := parseCheckpoint(checkpoint)
	if err != nil || d == nil {
		return false, err
	}
	for _, r := range d.Resources {
		if _, ok := StatefulTypes[r.Type]; ok {
			return true, nil
		}
	}
	return false, nil
}

// onlyKubernetesInState reports whether every resource of the stack's checkpoint is a Kubernetes object or
// bookkeeping (stack, providers, components): then a destroy or refresh may save the state once, at its end (see
// config.Cloud.DefaultCheckpointEveryStep), as nothing outside the cluster can be orphaned.
func onlyKubernetesInState(checkpoint []byte) bool {
	d, err := parseCheckpoint(checkpoint)
	if err != nil || d == nil || len(d.Resources) == 0 {
		return false
	}
	for _, r := range d.Resources {
		if !isKubernetesOrBookkeeping(r.URN) {
			return false
		}
	}
	return true
}

// deployment is what the runner reads of a checkpoint's latest deployment.
type deployment struct {
	Resources []struct {
		URN  string `json:"urn"`
		Type string `json:"type"`
	} `json:"resources"`
	PendingOperations []pendingOp `json:"pending_operations"`
}

// parseCheckpoint reads a file backend checkpoint; nil for none (a new stack).
func parseCheckpoint(checkpoint []byte) (*deployment, error) {
	if checkpoint == nil {
		return nil, nil
	}
	var f struct {
		Checkpoint struct {
			Latest *deployment `json:"latest"`
		} `json:"checkpoint"`
	}
	if err := json.Unmarshal(checkpoint, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", errParsingState, err)
	}
	return f.Checkpoint.Latest, nil
}

// dataLoss lists the plan's steps that replace or delete a stateful resource, as "replace database
// urn:pulumi:...".
func dataLoss(planFile string) ([]string, error) {
	b, err := os.ReadFile(planFile)
	if err != nil {
		return nil, fmt.Errorf("runner: reading the plan: %w", err)
	}
	var plan struct {
		ResourcePlans map[string]struct {
			Steps []string `json:"steps"`
		} `json:"resourcePlans"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("runner: parsing the plan %s: %w", planFile, err)
	}
	var out []string
	for urn, rp := range plan.ResourcePlans {
		what, stateful := StatefulTypes[urnType(urn)]
		if !stateful {
			continue
		}
		for _, step := range rp.Steps {
			if losesData[step] {
				out = append(out, fmt.Sprintf("%s %s %s", step, what, urn))
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// refuseDataLoss is the guard's error.
func refuseDataLoss(stack string, steps []string) error {
	return fmt.Errorf("runner: the plan for stack %s would destroy data; nothing was changed:\n  %s\n"+
		"If that is intended (the data is backed up or disposable), run again with --allow-data-loss "+
		"(Options.AllowDataLoss).", stack, strings.Join(steps, "\n  "))
}
