// Command digit deploys the DIGIT platform without a Pulumi language host: it runs the program inline through the
// Automation API (package runner), against a file backend in a private state directory.
//
//	digit <up|preview|refresh|destroy|outputs> -s <stack> [--dir .] [--state DIR]
//	      [--config key=value]... [--secret key=ENV_VAR]... [--refresh] [--diff] [--yes]
//	      [--parallel N] [--trace FILE] [--allow-data-loss]
//	digit qa <up|list|destroy|gc> [--name N] [--base STACK] [--ttl 24h] ...
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

// exit codes
const (
	exitOK    = 0
	exitFail  = 1 // the operation failed
	exitUsage = 2 // bad command line; nothing ran
)

var commands = []string{"up", "preview", "refresh", "destroy", "outputs", "qa"}

const usage = `usage: digit <up|preview|refresh|destroy|outputs> -s <stack> [flags]

  -s, --stack NAME        stack to operate on (Pulumi.<NAME>.yaml in --dir)
  --dir DIR               project directory holding Pulumi.yaml (default .)
  --state DIR             state directory: file backend, PULUMI_HOME, workspace
                          (default $XDG_STATE_HOME/digit-iac or ~/.local/state/digit-iac)
  --backend URL           where the stack's state lives: s3://bucket?region=..., azblob://container,
                          gs://bucket, https://api.pulumi.com or file://dir (default $DIGIT_BACKEND_URL, else
                          the file backend in --state; required for a stack with cloud resources)
  --config key=value      set a config value for this run (repeatable; JSON for objects)
  --secret key=ENV_VAR    set a secret config value from an environment variable (repeatable)
  --refresh               read live state before planning (up, preview, destroy)
  --diff                  show each change property by property
  --yes                   do not ask before up, refresh or destroy
  --parallel N            resource operations the engine runs at once
                          (default: the stack's digit:parallel, which has a default per target)
  --trace FILE            write each resource step's start and duration (seconds, tab-separated) to FILE
  --allow-data-loss       let up replace or delete a database, disk, volume, bucket or key
                          (refused otherwise, before anything changes)

The passphrase of the stack's secrets comes from PULUMI_CONFIG_PASSPHRASE.
`

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go interrupts(ctx, cancel, os.Stderr)
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}

// interrupts makes the first Ctrl-C or SIGTERM a graceful stop: the engine finishes what is in flight (an EKS or
// RDS create cannot be cut off half-way without leaving work for a human) and records it. A second one forces.
func interrupts(ctx context.Context, cancel context.CancelFunc, stderr io.Writer) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case <-ctx.Done():
		return
	case <-sigs:
	}
	if runner.Interrupt() == 0 {
		// No engine running (config being applied, or already done): nothing to finish.
		fmt.Fprintln(stderr, "digit: interrupted")
		cancel()
		return
	}
	fmt.Fprintln(stderr, "digit: interrupted: the engine finishes the operations in flight and stops (interrupt again to force)")
	select {
	case <-ctx.Done():
	case <-sigs:
		fmt.Fprintln(stderr, "digit: interrupted again: stopping the engine now")
		cancel()
	}
}

// invocation is a parsed, validated command line.
type invocation struct {
	command string // up, preview, ..., or "qa <sub>"
	opts    runner.Options
	yes     bool
	trace   string // file for the timing trace; "" = none
	qa      qaArgs // the qa commands' own flags
}

// backendEnv is --backend's default.
const backendEnv = "DIGIT_BACKEND_URL"

// maxParallel bounds --parallel as digit:parallel is bounded.
const maxParallel = config.MaxParallel

// usageError is a bad command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// keyValues is a repeatable key=value flag.
type keyValues struct {
	flag  string
	pairs [][2]string
	bad   []string
}

func (kv *keyValues) String() string { return "" }

// Set never fails: a malformed pair is reported after parsing, in this command's words rather than the flag
// package's.
func (kv *keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		kv.bad = append(kv.bad, s)
		return nil
	}
	kv.pairs = append(kv.pairs, [2]string{k, v})
	return nil
}

// parse validates the whole command line before anything runs; every error names the flag at fault.
func parse(args []string, lookupEnv func(string) (string, bool)) (*invocation, error) {
	if len(args) == 0 {
		return nil, usagef("missing command; one of %s", strings.Join(commands, ", "))
	}
	inv := &invocation{command: args[0]}
	if inv.command == "-h" || inv.command == "--help" || inv.command == "help" {
		return nil, flag.ErrHelp
	}
	known := false
	for _, c := range commands {
		known = known || c == inv.command
	}
	if !known {
		return nil, usagef("unknown command %q; one of %s", inv.command, strings.Join(commands, ", "))
	}
	if inv.command == "qa" {
		if len(args) < 2 || !slices.Contains(qaCommands, args[1]) {
			return nil, usagef("qa: want a subcommand, one of %s", strings.Join(qaCommands, ", "))
		}
		inv.command = "qa " + args[1]
		args = args[1:]
	}

	fs := flag.NewFlagSet(inv.command, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by the caller
	var stack, dir, state, backend string
	var refresh, diff bool
	var parallel int
	var trace string
	var allowDataLoss bool
	config := &keyValues{flag: "--config"}
	secret := &keyValues{flag: "--secret"}
	fs.StringVar(&stack, "s", "", "")
	fs.StringVar(&stack, "stack", "", "")
	fs.StringVar(&dir, "dir", ".", "")
	fs.StringVar(&state, "state", "", "")
	fs.StringVar(&backend, "backend", "", "")
	fs.Var(config, "config", "")
	fs.Var(secret, "secret", "")
	fs.BoolVar(&refresh, "refresh", false, "")
	fs.BoolVar(&diff, "diff", false, "")
	fs.BoolVar(&inv.yes, "yes", false, "")
	fs.IntVar(&parallel, "parallel", 0, "")
	fs.StringVar(&trace, "trace", "", "")
	fs.BoolVar(&allowDataLoss, "allow-data-loss", false, "")
	fs.StringVar(&inv.qa.name, "name", "", "")
	fs.StringVar(&inv.qa.base, "base", qaDefaultBase, "")
	fs.StringVar(&inv.qa.ttlFlag, "ttl", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
			msg = "unknown flag --" + name
		}
		return nil, usagef("%s: %s", inv.command, msg)
	}
	if fs.NArg() > 0 {
		return nil, usagef("%s: unexpected argument %q (only flags follow the command)", inv.command, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	for _, kv := range []*keyValues{config, secret} {
		for _, b := range kv.bad {
			want := "key=value"
			if kv == secret {
				want = "key=ENV_VAR"
			}
			return nil, usagef("%s %q: want %s", kv.flag, b, want)
		}
	}
	if _, err := os.Stat(dir + "/Pulumi.yaml"); err != nil {
		return nil, usagef("--dir %s: no Pulumi.yaml there", dir)
	}
	if strings.HasPrefix(inv.command, "qa ") {
		if err := parseQA(inv, set, dir); err != nil {
			return nil, err
		}
		stack = inv.qa.stack
	} else {
		for _, f := range []string{"name", "base", "ttl"} {
			if set[f] {
				return nil, usagef("--%s is a flag of the qa commands, not of %s", f, inv.command)
			}
		}
		if stack == "" {
			return nil, usagef("%s: -s/--stack is required", inv.command)
		}
		if _, err := os.Stat(dir + "/Pulumi." + stack + ".yaml"); err != nil {
			return nil, usagef("-s %s: no Pulumi.%s.yaml in --dir %s", stack, stack, dir)
		}
	}
	if state != "" {
		if fi, err := os.Stat(state); err == nil && !fi.IsDir() {
			return nil, usagef("--state %s: not a directory", state)
		}
	}

	// Flags that would silently do nothing are mistakes.
	switch inv.command {
	case "outputs":
		for _, f := range []string{"config", "secret", "refresh", "yes", "diff", "parallel", "trace", "allow-data-loss"} {
			if set[f] {
				return nil, usagef("--%s has no effect on outputs", f)
			}
		}
	case "preview":
		if set["yes"] {
			return nil, usagef("--yes has no effect on preview (it changes nothing)")
		}
	case "refresh":
		if set["refresh"] {
			return nil, usagef("--refresh has no effect on refresh")
		}
	}
	if set["allow-data-loss"] && inv.command != "up" && inv.command != "qa up" {
		return nil, usagef("--allow-data-loss has no effect on %s (only up applies a plan)", inv.command)
	}

	if set["parallel"] && (parallel < 1 || parallel > maxParallel) {
		return nil, usagef("--parallel %d: want 1 to %d", parallel, maxParallel)
	}
	if set["trace"] {
		if trace == "" {
			return nil, usagef("--trace: name the file to write")
		}
		if fi, err := os.Stat(trace); err == nil && fi.IsDir() {
			return nil, usagef("--trace %s: is a directory", trace)
		}
		inv.trace = trace
	}

	if !set["backend"] {
		backend, _ = lookupEnv(backendEnv)
	}
	if backend != "" && !strings.Contains(backend, "://") {
		return nil, usagef("--backend %s: not a backend URL (s3://, azblob://, gs://, https:// or file://)", backend)
	}

	inv.opts = runner.Options{Stack: stack, SettingsStack: inv.qa.settings, ProjectDir: dir, StateDir: state,
		Refresh: refresh, Diff: diff, Parallel: parallel, AllowDataLoss: allowDataLoss, Backend: backend}
	seen := map[string]string{}
	if len(config.pairs) > 0 {
		inv.opts.Config = map[string]string{}
	}
	for _, p := range config.pairs {
		key := qualify(p[0])
		if prev, dup := seen[key]; dup {
			return nil, usagef("--config %s: %s is already set by %s", p[0], key, prev)
		}
		seen[key] = "--config"
		inv.opts.Config[key] = p[1]
	}
	if len(secret.pairs) > 0 {
		inv.opts.SecretConfig = map[string]string{}
	}
	for _, p := range secret.pairs {
		key := qualify(p[0])
		if prev, dup := seen[key]; dup {
			return nil, usagef("--secret %s: %s is already set by %s", p[0], key, prev)
		}
		seen[key] = "--secret"
		name := strings.TrimSpace(p[1])
		if name == "" {
			return nil, usagef("--secret %s=: name the environment variable that holds the value", p[0])
		}
		v, ok := lookupEnv(name)
		if !ok || v == "" {
			return nil, usagef("--secret %s=%s: environment variable %s is empty or not set", p[0], name, name)
		}
		inv.opts.SecretConfig[key] = v
	}
	for key := range seen {
		if strings.Count(key, ":") != 1 || strings.HasSuffix(key, ":") {
			return nil, usagef("%s %s: not a config key (namespace:name)", seen[key], key)
		}
		if key == qaConfigKey {
			return nil, usagef("%s %s: set by the qa commands themselves (qa up --name)", seen[key], key)
		}
	}
	return inv, nil
}

func qualify(key string) string {
	if !strings.Contains(key, ":") {
		return runner.ProjectName + ":" + key
	}
	return key
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer,
	lookupEnv func(string) (string, bool),
) int {
	inv, err := parse(args, lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage+"\nQA stacks:"+qaUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "digit: %v\n(digit --help shows the usage)\n", err)
		return exitUsage
	}
	inv.opts.Out = stdout

	if err := execute(ctx, inv, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "digit: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFail
	}
	return exitOK
}

func execute(ctx context.Context, inv *invocation, stdin io.Reader, out io.Writer) error {
	o := inv.opts
	if strings.HasPrefix(inv.command, "qa ") {
		return executeQA(ctx, inv, stdin, out, time.Now())
	}
	switch inv.command {
	case "preview":
		res, err := runner.Preview(ctx, o)
		if err != nil {
			return err
		}
		printChanges(out, res)
		return writeTrace(inv.trace, res)
	case "outputs":
		res, err := runner.Outputs(ctx, o)
		if err != nil {
			return err
		}
		printOutputs(out, res.Outputs)
	case "up", "destroy", "refresh":
		if !inv.yes {
			// The up applies exactly the plan the confirmation showed (the engine's saved plan).
			dir, err := os.MkdirTemp("", "digit-plan-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			if inv.command == "up" {
				o.PlanFile = filepath.Join(dir, "plan.json")
			}
			ok, err := confirm(ctx, inv, o, stdin, out)
			if err != nil || !ok {
				return err
			}
		}
		var res *runner.Result
		var err error
		switch inv.command {
		case "up":
			res, err = runner.Up(ctx, o)
		case "destroy":
			res, err = runner.Destroy(ctx, o)
		default:
			res, err = runner.Refresh(ctx, o)
		}
		if err != nil {
			return err
		}
		printChanges(out, res)
		if inv.command == "up" {
			printOutputs(out, res.Outputs)
		}
		return writeTrace(inv.trace, res)
	}
	return nil
}

// writeTrace writes the operation's steps, one per line: start (seconds after the first), duration, op, type,
// URN. Sorted by start, so the waves of a deploy show as they ran.
func writeTrace(path string, res *runner.Result) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("start_s\tduration_s\top\ttype\turn\n")
	var t0 time.Time
	for i, st := range res.Steps {
		if i == 0 {
			t0 = st.Start
		}
		op := st.Op
		if st.Failed {
			op += "(failed)"
		}
		fmt.Fprintf(&b, "%.2f\t%.2f\t%s\t%s\t%s\n", st.Start.Sub(t0).Seconds(), st.Duration().Seconds(), op, st.Type, st.URN)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	return nil
}

// confirm shows what the operation would do and asks; without a terminal to ask on, --yes is required.
func confirm(ctx context.Context, inv *invocation, o runner.Options, stdin io.Reader, out io.Writer) (bool, error) {
	if !isTerminal(stdin) {
		return false, usagef("%s changes the stack: pass --yes (stdin is not a terminal to ask on)", inv.command)
	}
	var res *runner.Result
	var err error
	switch inv.command {
	case "up":
		res, err = runner.Preview(ctx, o)
	case "refresh":
		res, err = runner.PreviewRefresh(ctx, o)
	case "destroy":
		// The engine's destroy preview is not exposed by the runner; say plainly what will happen.
		fmt.Fprintf(out, "destroy deletes every resource of stack %s.\n", o.Stack)
	}
	if err != nil {
		return false, err
	}
	if res != nil {
		printChanges(out, res)
	}
	return ask(stdin, out, fmt.Sprintf("Do you want to perform this %s on stack %s?", inv.command, o.Stack)), nil
}

// isTerminal reports whether stdin is a terminal a question can be asked on.
func isTerminal(stdin io.Reader) bool {
	f, isFile := stdin.(*os.File)
	return isFile && term.IsTerminal(int(f.Fd()))
}

// ask asks a yes/no question; anything but y or yes is no.
func ask(stdin io.Reader, out io.Writer, question string) bool {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		fmt.Fprintln(out, "cancelled; nothing changed")
		return false
	}
	return true
}

func printChanges(out io.Writer, res *runner.Result) {
	for _, line := range res.Recovered {
		fmt.Fprintf(out, "recovered: %s\n", line)
	}
	ops := make([]string, 0, len(res.Summary))
	for op := range res.Summary {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		parts = append(parts, fmt.Sprintf("%s %d", op, res.Summary[op]))
	}
	fmt.Fprintf(out, "%s: %d resource(s) changed (%s)\n", res.Operation, res.Changed(), strings.Join(parts, ", "))
}

// printOutputs prints each output on a line, secrets as [secret].
func printOutputs(out io.Writer, outputs map[string]runner.Output) {
	if len(outputs) == 0 {
		return
	}
	keys := make([]string, 0, len(outputs))
	for k := range outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(out, "Outputs:")
	for _, k := range keys {
		fmt.Fprintf(out, "  %s: %s\n", k, formatOutput(outputs[k]))
	}
}

func formatOutput(o runner.Output) string {
	if o.Secret {
		return "[secret]"
	}
	if s, ok := o.Value.(string); ok {
		return s
	}
	b, err := json.Marshal(o.Value)
	if err != nil {
		return fmt.Sprint(o.Value)
	}
	return string(b)
}
