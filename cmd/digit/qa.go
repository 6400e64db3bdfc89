package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/digit-iac/digit/qa"
	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

// The qa subcommands: throw-away stacks of a base stack's settings, with an expiry (package qa).
var qaCommands = []string{"up", "list", "destroy", "gc"}

// qaDefaultBase is --base's default: the stack that needs nothing but the local control plane.
const qaDefaultBase = "local"

// qaConfigKey is the config key that makes a stack a QA stack; only the qa commands set it.
var qaConfigKey = config.Namespace + ":qa"

const qaUsage = `
  digit qa up --name N [--base local] [--ttl 24h] [--config k=v]... [--secret k=ENV]... [--yes] [--parallel N]
  digit qa list
  digit qa destroy --name N [--yes]
  digit qa gc [--yes]         destroy every expired QA stack
  (all take --dir, --state and --backend)

  A QA stack N is the stack qa-N: --base's settings (Pulumi.<base>.yaml) with protection, deletion protection
  and the final snapshot off, disks of at most 10 GB, and every namespace prefixed with qa-N-, so that several
  share one cluster. --ttl (90m, 24h, 3d; at most 30d) sets its expiry from now, on every qa up.
`

// qaArgs are the qa commands' flags.
type qaArgs struct {
	name, base, ttlFlag string
	ttl                 time.Duration
	stack               string // qa-<name>, "" for list and gc
	settings            string // the base's settings for up
}

// qaFlags lists the flags each qa command reads, beyond --dir, --state and --backend.
var qaFlags = map[string][]string{
	"qa up":      {"name", "base", "ttl", "config", "secret", "yes", "parallel", "refresh", "diff", "trace", "allow-data-loss"},
	"qa list":    {},
	"qa destroy": {"name", "yes", "parallel", "refresh", "diff"},
	"qa gc":      {"yes", "parallel"},
}

// parseQA checks a qa command's flags; every error names the flag.
func parseQA(inv *invocation, set map[string]bool, dir string) error {
	if set["s"] || set["stack"] {
		return usagef("%s: -s/--stack has no effect: a QA stack is named by --name (its stack is %sN)", inv.command, qa.StackPrefix)
	}
	allowed := map[string]bool{"dir": true, "state": true, "backend": true}
	for _, f := range qaFlags[inv.command] {
		allowed[f] = true
	}
	var extra []string
	for f := range set {
		if !allowed[f] {
			extra = append(extra, "--"+f)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return usagef("%s: %s has no effect on it", inv.command, strings.Join(extra, ", "))
	}
	a := &inv.qa
	if allowed["name"] {
		if err := qa.CheckName(a.name); err != nil {
			return usagef("%s --name: %v", inv.command, err)
		}
		a.stack = qa.StackName(a.name)
	}
	if inv.command != "qa up" {
		return nil
	}
	a.ttl = qa.DefaultTTL
	if set["ttl"] {
		ttl, err := qa.ParseTTL(a.ttlFlag)
		if err != nil {
			return usagef("qa up --ttl: %v", err)
		}
		a.ttl = ttl
	}
	if _, isQA := qa.NameOf(a.base); isQA {
		return usagef("qa up --base %s: a QA stack cannot be the base of another", a.base)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi."+a.base+".yaml")); err != nil || a.base == "" {
		return usagef("qa up --base %q: no Pulumi.%s.yaml in --dir %s; bases there: %s", a.base, a.base, dir, strings.Join(bases(dir), ", "))
	}
	a.settings = a.base
	return nil
}

// bases are the stacks of dir's settings files that can be the base of a QA stack.
func bases(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []string
	for _, f := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if _, isQA := qa.NameOf(stack); !isQA {
			out = append(out, stack)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// qaStack is a QA stack of the backend and its record.
type qaStack struct {
	runner.StackSummary
	record qa.Record
	// problem says why the record cannot be read ("" when it can): such a stack is never taken for expired.
	problem string
}

// listQA lists the backend's QA stacks (only the one of name, when name is given).
func listQA(ctx context.Context, o runner.Options, name string) ([]qaStack, error) {
	stacks, err := runner.ListStacks(ctx, o, func(stack string) bool {
		n, ok := qa.NameOf(stack)
		return ok && (name == "" || n == name)
	})
	if err != nil {
		return nil, err
	}
	out := make([]qaStack, len(stacks))
	for i, st := range stacks {
		out[i].StackSummary = st
		if out[i].record, err = qa.FromTags(st.Name, st.Tags); err != nil {
			out[i].problem = err.Error()
		}
	}
	return out, nil
}

func executeQA(ctx context.Context, inv *invocation, stdin io.Reader, out io.Writer, now time.Time) error {
	o := inv.opts
	a := inv.qa
	if (inv.command == "qa destroy" || inv.command == "qa gc") && !inv.yes && !isTerminal(stdin) {
		// Refused before the backend is even read.
		return usagef("%s deletes QA stacks: pass --yes (stdin is not a terminal to ask on)", inv.command)
	}
	switch inv.command {
	case "qa up":
		rec := qa.Record{Name: a.name, Base: a.base, Created: now, Expires: now.Add(a.ttl)}
		existing, err := listQA(ctx, o, a.name)
		if err != nil {
			return err
		}
		if len(existing) == 1 && existing[0].problem == "" {
			prev := existing[0].record
			if prev.Base != a.base {
				return usagef("qa up --base %s: QA stack %s was made from base %s; destroy it first (digit qa destroy --name %s) "+
					"or keep --base %s", a.base, a.name, prev.Base, a.name, prev.Base)
			}
			rec.Created = prev.Created
		}
		if o.Config == nil {
			o.Config = map[string]string{}
		}
		o.Config[qaConfigKey] = a.name
		o.Tags = rec.Tags()
		up := *inv
		up.command, up.opts = "up", o
		if err := execute(ctx, &up, stdin, out); err != nil {
			return err
		}
		fmt.Fprintf(out, "qa: %s (stack %s, base %s) expires %s (in %s)\n", a.name, a.stack, a.base,
			rec.Expires.UTC().Format(time.RFC3339), a.ttl)
		return nil

	case "qa list":
		stacks, err := listQA(ctx, o, "")
		if err != nil {
			return err
		}
		printQA(out, stacks, now)
		return nil

	case "qa destroy":
		stacks, err := listQA(ctx, o, a.name)
		if err != nil {
			return err
		}
		if len(stacks) == 0 {
			return fmt.Errorf("qa destroy --name %s: no QA stack %s in this backend (digit qa list shows them)", a.name, a.stack)
		}
		if !inv.yes {
			if ok, err := confirmQA(stdin, out, fmt.Sprintf("destroy QA stack %s and everything it deployed", a.name)); !ok || err != nil {
				return err
			}
		}
		return destroyQA(ctx, o, stacks[0], out)

	case "qa gc":
		stacks, err := listQA(ctx, o, "")
		if err != nil {
			return err
		}
		var expired []qaStack
		for _, st := range stacks {
			switch {
			case st.problem != "":
				fmt.Fprintf(out, "qa gc: kept %s: %s\n", st.Name, st.problem)
			case st.record.Expired(now):
				expired = append(expired, st)
			}
		}
		if len(expired) == 0 {
			fmt.Fprintf(out, "qa gc: no expired QA stack (of %d)\n", len(stacks))
			return nil
		}
		names := make([]string, len(expired))
		for i, st := range expired {
			names[i] = st.record.Name
		}
		if !inv.yes {
			if ok, err := confirmQA(stdin, out, "destroy the expired QA stacks "+strings.Join(names, ", ")); !ok || err != nil {
				return err
			}
		}
		var errs []error
		for _, st := range expired {
			if err := destroyQA(ctx, o, st, out); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", st.record.Name, err))
			}
		}
		fmt.Fprintf(out, "qa gc: destroyed %d of %d expired QA stacks\n", len(expired)-len(errs), len(expired))
		return errors.Join(errs...)
	}
	return nil
}

// destroyQA destroys a QA stack with its base's settings and removes it from the backend.
func destroyQA(ctx context.Context, o runner.Options, st qaStack, out io.Writer) error {
	if st.problem != "" {
		return fmt.Errorf("%s; destroy it with `digit destroy` and `pulumi stack rm` instead", st.problem)
	}
	o.Stack, o.SettingsStack = st.Name, st.record.Base
	if _, err := os.Stat(filepath.Join(o.ProjectDir, "Pulumi."+st.record.Base+".yaml")); err != nil {
		return fmt.Errorf("QA stack %s: its base's settings file Pulumi.%s.yaml is not in --dir %s", st.record.Name, st.record.Base, o.ProjectDir)
	}
	res, err := runner.Destroy(ctx, o)
	if err != nil {
		return err
	}
	printChanges(out, res)
	if err := runner.Remove(ctx, o); err != nil {
		return err
	}
	fmt.Fprintf(out, "qa: %s destroyed and removed\n", st.record.Name)
	return nil
}

// confirmQA asks before a qa command deletes anything; without a terminal, --yes is required.
func confirmQA(stdin io.Reader, out io.Writer, what string) (bool, error) {
	if !isTerminal(stdin) {
		return false, usagef("this would %s: pass --yes (stdin is not a terminal to ask on)", what)
	}
	return ask(stdin, out, fmt.Sprintf("Do you want to %s?", what)), nil
}

// printQA prints the QA stacks as a table.
func printQA(out io.Writer, stacks []qaStack, now time.Time) {
	if len(stacks) == 0 {
		fmt.Fprintln(out, "no QA stacks")
		return
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tBASE\tAGE\tEXPIRES\tSTATUS\tRESOURCES")
	for _, st := range stacks {
		if st.problem != "" {
			fmt.Fprintf(w, "%s\t?\t?\t?\tunreadable record: %s\t%d\n", st.Name, st.problem, st.Resources)
			continue
		}
		r := st.record
		expires := "in " + roughly(r.Expires.Sub(now))
		if r.Expired(now) {
			expires = "expired " + roughly(now.Sub(r.Expires)) + " ago"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", r.Name, r.Base, roughly(now.Sub(r.Created)), expires, status(st.StackSummary), st.Resources)
	}
	w.Flush()
}

// status is a stack's state as its last update left it.
func status(s runner.StackSummary) string {
	switch {
	case s.UpdateInProgress:
		return "updating"
	case s.LastResult == "":
		return "new"
	default:
		return s.LastOperation + " " + s.LastResult
	}
}

// roughly is a duration to the minute.
func roughly(d time.Duration) string {
	if d < time.Minute {
		return "<1m"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	default:
		return fmt.Sprintf("%dh%dm", h, m)
	}
}
