package runner

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/opthistory"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// setTags sets Options.Tags on the session's stack, in key order.
func (s *session) setTags(ctx context.Context) error {
	for _, k := range slices.Sorted(maps.Keys(s.opts.Tags)) {
		if err := s.stack.SetTag(ctx, k, s.opts.Tags[k]); err != nil {
			return fmt.Errorf("runner: setting stack tag %s: %s", k, conciseError(err))
		}
	}
	return nil
}

// StackSummary is one stack of a backend.
type StackSummary struct {
	Name string
	// Tags are the stack's tags.
	Tags map[string]string
	// LastResult is the result of its last update ("succeeded", "failed", "in-progress"), or "" when it has none.
	LastResult string
	// LastOperation is the kind of its last update (update, destroy, refresh), or "".
	LastOperation string
	// LastUpdate is when its last update ended (zero when it has none).
	LastUpdate time.Time
	// UpdateInProgress reports a running update (or the lock of a killed one).
	UpdateInProgress bool
	// Resources counts the resources of its state (0 when unknown or empty).
	Resources int
}

// ListStacks returns the project's stacks in the backend of o (Options.StateDir's file backend or
// Options.Backend) whose names match, sorted by name, with their tags and last update. Options.Stack is not
// needed.
func ListStacks(ctx context.Context, o Options, match func(stack string) bool) ([]StackSummary, error) {
	r, err := o.resolveFor(false)
	if err != nil {
		return nil, err
	}
	if err := PrepareStateDir(r.StateDir); err != nil {
		return nil, err
	}
	// A workspace of this process alone: selecting a stack writes the workspace's settings, and two listings (two
	// `qa up` at once) must not write one file.
	work := filepath.Join(r.StateDir, workSubdir, fmt.Sprintf(".list-%d", os.Getpid()))
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("runner: state dir: %w", err)
	}
	defer os.RemoveAll(work)
	_, wsOpts, err := r.workspace(work)
	if err != nil {
		return nil, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, append(wsOpts,
		auto.Project(workspace.Project{Name: ProjectName, Runtime: workspace.NewProjectRuntimeInfo("go", nil)}))...)
	if err != nil {
		return nil, fmt.Errorf("runner: workspace: %s", conciseError(err))
	}
	all, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, fmt.Errorf("runner: listing stacks: %s", conciseError(err))
	}
	var out []StackSummary
	for _, st := range all {
		// The file backend names stacks organization/project/stack in some versions.
		name := st.Name[strings.LastIndex(st.Name, "/")+1:]
		if match != nil && !match(name) {
			continue
		}
		sum := StackSummary{Name: name, UpdateInProgress: st.UpdateInProgress}
		if st.ResourceCount != nil {
			sum.Resources = *st.ResourceCount
		}
		// A stack removed since the listing (another runner's destroy) is not an error: it is no longer there.
		if sum.Tags, err = ws.ListTags(ctx, name); err != nil {
			if gone(err) {
				continue
			}
			return nil, fmt.Errorf("runner: tags of stack %s: %s", name, conciseError(err))
		}
		stack, err := auto.SelectStack(ctx, name, ws)
		if err != nil {
			if gone(err) {
				continue
			}
			return nil, fmt.Errorf("runner: selecting stack %s: %s", name, conciseError(err))
		}
		hist, err := stack.History(ctx, 1, 1, opthistory.ShowSecrets(false))
		if err != nil {
			if gone(err) {
				continue
			}
			return nil, fmt.Errorf("runner: history of stack %s: %s", name, conciseError(err))
		}
		if len(hist) > 0 {
			sum.LastResult, sum.LastOperation = hist[0].Result, hist[0].Kind
			if hist[0].EndTime != nil {
				sum.LastUpdate, _ = time.Parse(time.RFC3339, *hist[0].EndTime)
			}
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes a stack that holds no resources (destroy it first) from its backend, with its history, config
// and tags, and its workspace in the state directory. A stack that still holds resources is refused by the engine,
// so nothing it deployed is ever orphaned.
func Remove(ctx context.Context, o Options) error {
	s, err := open(ctx, o, fromState, "remove")
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.stack.Workspace().RemoveStack(ctx, s.opts.Stack); err != nil {
		return fmt.Errorf("runner: removing stack %s: %s", s.opts.Stack, conciseError(err))
	}
	if err := os.RemoveAll(s.workDir); err != nil {
		return fmt.Errorf("runner: removing the workspace of stack %s: %w", s.opts.Stack, err)
	}
	return nil
}

// gone reports an error of the CLI saying the stack does not exist.
func gone(err error) bool {
	return strings.Contains(err.Error(), "no stack named")
}
