package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
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
		URN    string         `json:"urn"`
		Type   string         `json:"type"`
		Inputs map[string]any `json:"inputs"`
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

// savedPlan is what the guard reads of a plan file: each resource's steps and the new values of its changed inputs.
type savedPlan struct {
	ResourcePlans map[string]struct {
		Steps []string `json:"steps"`
		Goal  *struct {
			InputDiff struct {
				Adds    map[string]any `json:"adds"`
				Updates map[string]any `json:"updates"`
			} `json:"inputDiff"`
		} `json:"goal"`
	} `json:"resourcePlans"`
}

// readPlan reads the plan file the guard checks.
func readPlan(planFile string) (*savedPlan, error) {
	b, err := os.ReadFile(planFile)
	if err != nil {
		return nil, fmt.Errorf("runner: reading the plan: %w", err)
	}
	var plan savedPlan
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("runner: parsing the plan %s: %w", planFile, err)
	}
	return &plan, nil
}

// dataLoss lists the plan's steps that replace or delete a stateful resource, as "replace database
// urn:pulumi:...".
func dataLoss(plan *savedPlan) []string {
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
	return out
}

// refuseDataLoss is the guard's error.
func refuseDataLoss(stack string, steps []string) error {
	return fmt.Errorf("runner: the plan for stack %s would destroy data; nothing was changed:\n  %s\n"+
		"If that is intended (the data is backed up or disposable), run again with --allow-data-loss "+
		"(Options.AllowDataLoss).", stack, strings.Join(steps, "\n  "))
}

// shrinks lists the plan's updates that lower a stateful.Sizes size below the checkpoint's, as
// "<urn>: <path> 50 -> 40". Up checks the plans the guard sees: those of a stack whose state holds a stateful
// resource (every cloud stack), or given as Options.PlanFile.
func shrinks(plan *savedPlan, checkpoint []byte) ([]string, error) {
	d, err := parseCheckpoint(checkpoint)
	if err != nil || d == nil {
		return nil, err
	}
	var out []string
	for _, r := range d.Resources {
		path, ok := stateful.Sizes[r.Type]
		if !ok {
			continue
		}
		before, after, _, changed := plannedChange(plan, r.URN, r.Inputs, path)
		oldSize, okOld := before.(float64)
		newSize, okNew := after.(float64)
		if changed && okOld && okNew && newSize < oldSize {
			out = append(out, fmt.Sprintf("%s: %s %g -> %g", r.URN, path, oldSize, newSize))
		}
	}
	sort.Strings(out)
	return out, nil
}

// oneWaySteps lists the plan's changes of a stateful.OneWay input that skip a step or go back, as
// "<urn>: <path> CONFIG_MAP -> API (...)". A resource the plan replaces starts afresh and is not checked.
func oneWaySteps(plan *savedPlan, checkpoint []byte) ([]string, error) {
	d, err := parseCheckpoint(checkpoint)
	if err != nil || d == nil {
		return nil, err
	}
	var out []string
	for _, r := range d.Resources {
		in, ok := stateful.OneWay[r.Type]
		if !ok {
			continue
		}
		before, after, steps, changed := plannedChange(plan, r.URN, r.Inputs, in.Path)
		if !changed || slices.Contains(steps, "create-replacement") {
			continue
		}
		from, to := orUnset(before, in.Unset), orUnset(after, in.Unset)
		i, j := slices.Index(in.Steps, from), slices.Index(in.Steps, to)
		switch {
		case i < 0 || j < 0 || j == i || j == i+1:
			continue
		case j < i:
			out = append(out, fmt.Sprintf("%s: %s %s -> %s (the cloud never goes back: keep %s %s)", r.URN, in.Path,
				from, to, in.Key, from))
		default:
			out = append(out, fmt.Sprintf("%s: %s %s -> %s (the cloud goes one step at a time: set %s %s for one up "+
				"first)", r.URN, in.Path, from, to, in.Key, in.Steps[i+1]))
		}
	}
	sort.Strings(out)
	return out, nil
}

// plannedChange is the value at the dotted path of a resource's inputs in the checkpoint (before) and in the plan
// (after), and the plan's steps for it; changed is false when the plan leaves the path's top-level input as it
// is. The plan's input diff holds the new value of each added or changed top-level input.
func plannedChange(plan *savedPlan, urn string, inputs map[string]any, path string) (before, after any,
	steps []string, changed bool,
) {
	rp, ok := plan.ResourcePlans[urn]
	if !ok || rp.Goal == nil {
		return nil, nil, nil, false
	}
	top, rest, _ := strings.Cut(path, ".")
	newTop, changed := rp.Goal.InputDiff.Updates[top]
	if !changed {
		newTop, changed = rp.Goal.InputDiff.Adds[top]
	}
	return valueAt(inputs[top], rest), valueAt(newTop, rest), rp.Steps, changed
}

// valueAt is the value at the dotted path below v ("" for v itself), nil where there is none.
func valueAt(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		if k == "" {
			break
		}
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// orUnset is v when it is a non-empty string, else unset.
func orUnset(v any, unset string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return unset
}

// refuseOneWay is the error for a plan that would skip or reverse a one-way step.
func refuseOneWay(stack string, steps []string) error {
	return fmt.Errorf("runner: the plan for stack %s changes a setting the cloud moves one step forward only, and "+
		"would be refused halfway through the up; nothing was changed:\n  %s", stack, strings.Join(steps, "\n  "))
}

// refuseShrink is the error for a plan that would lower a size.
func refuseShrink(stack string, steps []string) error {
	return fmt.Errorf("runner: the plan for stack %s lowers the size of a disk or database, which the cloud refuses "+
		"(sizes only grow); nothing was changed:\n  %s\nSet the size (digit:volumes sizeGb, digit:database storageGb) "+
		"back to at least its current value.", stack, strings.Join(steps, "\n  "))
}
