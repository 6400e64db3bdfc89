// Package runner runs the DIGIT Pulumi program through the Automation API: an inline program (no language host, no
// `go build` of the project), a file backend under a private state directory, and the stack's settings file copied
// out of the checkout so that running never writes into it.
package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PassphraseEnv is the variable the passphrase secrets provider reads; Options.Passphrase defaults to it.
const PassphraseEnv = "PULUMI_CONFIG_PASSPHRASE"

// passphraseFileEnv is the engine's alternative to PassphraseEnv; when it is set the engine reads the file itself.
const passphraseFileEnv = "PULUMI_CONFIG_PASSPHRASE_FILE"

// ProjectName is the project of Pulumi.yaml; the file backend keys stacks by it.
const ProjectName = "digit"

// Options says which stack to operate on and how.
type Options struct {
	// Stack is the stack name (e.g. "local"); Pulumi.<Stack>.yaml must exist in ProjectDir, unless SettingsStack
	// names another.
	Stack string
	// SettingsStack is the stack whose settings file (Pulumi.<SettingsStack>.yaml) the stack is run with: a QA
	// stack runs with its base's. Default: Stack.
	SettingsStack string
	// Tags are set on the stack (in its backend, where they live with it) before the operation. Default: none.
	Tags map[string]string
	// ProjectDir holds Pulumi.yaml and Pulumi.<Stack>.yaml. Default: the current directory.
	ProjectDir string
	// StateDir holds backend/ (the file backend), home/ (PULUMI_HOME) and work/<stack>/ (the workspace).
	// Default: $XDG_STATE_HOME/digit-iac, else $HOME/.local/state/digit-iac.
	StateDir string
	// Passphrase protects the stack's secrets. Default: $PULUMI_CONFIG_PASSPHRASE (or the engine reads
	// $PULUMI_CONFIG_PASSPHRASE_FILE); neither set is an error.
	Passphrase string
	// Config is applied to the stack before the operation as plaintext values, on top of Pulumi.<Stack>.yaml.
	// Keys without a namespace get "digit:". Structured values are given as JSON, and a value replaces the whole
	// key (digit:catalogue given here drops what the settings file sets under it).
	Config map[string]string
	// SecretConfig is applied like Config, but encrypted (as `pulumi config set --secret`).
	SecretConfig map[string]string
	// Program is the Pulumi program. Default: stacks.Program (what main.go runs under the CLI).
	Program pulumi.RunFunc
	// CheckConfig validates the stack's full config (secrets decrypted) before the engine starts, and returns what
	// the stack's config says about running it. Default: the typed loader of stacks/config when Program is the
	// default (digit:parallel); none for a custom Program.
	CheckConfig func(project, stack string, values map[string]ConfigValue) (StackSettings, error)
	// Parallel is how many resource operations the engine runs at once. A Kubernetes create holds its slot until
	// the provider's await ends (a Deployment's rollout), so a low cap turns independent start-ups into a queue.
	// Default: the stack's StackSettings.Parallel, else the engine's own default (4 x CPU cores).
	Parallel int
	// PlanFile makes Preview save its plan there, and Up apply exactly that plan: an up whose program would now do
	// anything the plan does not say fails instead. Default: none (Up computes its own).
	PlanFile string
	// AllowDataLoss lets Up apply a plan that replaces or deletes a stateful resource (StatefulTypes). Default:
	// false, and such a plan is refused before anything changes.
	AllowDataLoss bool
	// Refresh reads the live state of every resource before computing the plan of Up, Preview and Destroy.
	Refresh bool
	// Diff shows each change property by property in the progress output.
	Diff bool
	// Out receives the engine's progress and the runner's own notes. Default: discarded.
	Out io.Writer
	// Backend is where the stack's state lives: s3://bucket?region=..., azblob://container, gs://bucket,
	// https://api.pulumi.com (Pulumi Cloud) or file://dir. Default: the file backend in StateDir, which only this
	// machine sees; a stack that NeedsSharedState is refused without an explicit Backend, as `digit up -s prod` on a
	// laptop would otherwise start a second, empty prod.
	Backend string
	// NeedsSharedState reports, from the stack's config as its settings file and Options.Config give it (before
	// anything is created, so a refused run leaves no empty stack behind), whether the stack holds cloud resources,
	// whose state must live where everyone who deploys them sees it. Default: a digit:target other than existing,
	// for the default program; never, for a custom one.
	NeedsSharedState func(config map[string]string) bool
	// PulumiRoot locates the pulumi CLI: a directory holding bin/pulumi, or the directory of the binary itself.
	// Default: `pulumi` from PATH.
	PulumiRoot string
}

// StackSettings are the runner's settings a stack's config holds.
type StackSettings struct {
	// Parallel is the stack's engine parallelism (0: no opinion).
	Parallel int
	// FinalCheckpointOnly makes the engine save the state once, when the operation ends, instead of after every
	// resource step (PULUMI_SKIP_CHECKPOINTS): see config.Cloud.DefaultCheckpointEveryStep for when that is safe.
	FinalCheckpointOnly bool
}

// ConfigValue is one config value as the stack holds it, secrets decrypted.
type ConfigValue struct {
	Value  string
	Secret bool
}

// backendRe is a state backend URL the Pulumi CLI accepts.
var backendRe = regexp.MustCompile(`^(s3|azblob|gs|https?|file)://\S+$`)

// stackNameRe is what the file backend accepts as a stack name.
var stackNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// tagNameRe is a stack tag name every backend accepts (Pulumi Cloud's rule, the strictest).
var tagNameRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,40}$`)

// configKeyRe is a namespaced config key as the CLI parses it (namespace:name, name may hold a path).
var configKeyRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*:[^:\s]+$`)

// resolved is Options with defaults applied and everything checked.
type resolved struct {
	Options
	pulumiRoot string // for auto.PulumiCommandOptions.Root; "" = PATH
	config     map[string]string
	secrets    map[string]string
}

func (o Options) resolve() (*resolved, error) { return o.resolveFor(true) }

// resolveFor resolves Options for an operation on one stack (withStack), or on the backend as a whole (ListStacks:
// Stack and its settings file are not needed).
func (o Options) resolveFor(withStack bool) (*resolved, error) {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	if !withStack {
		// Nothing of a stack is read.
	} else if o.Stack == "" {
		fail("Options.Stack is required")
	} else if !stackNameRe.MatchString(o.Stack) {
		fail("Options.Stack %q is not a valid stack name (letters, digits, _ . -)", o.Stack)
	}
	if o.SettingsStack == "" {
		o.SettingsStack = o.Stack
	} else if !stackNameRe.MatchString(o.SettingsStack) {
		fail("Options.SettingsStack %q is not a valid stack name (letters, digits, _ . -)", o.SettingsStack)
	}
	for k := range o.Tags {
		if !tagNameRe.MatchString(k) || strings.HasPrefix(k, "pulumi:") {
			fail("Options.Tags: %q is not a stack tag name (letters, digits, - _ . :, at most 40, not pulumi:)", k)
		}
	}

	if o.ProjectDir == "" {
		o.ProjectDir = "."
	}
	if abs, err := filepath.Abs(o.ProjectDir); err == nil {
		o.ProjectDir = abs
	}
	if _, err := os.Stat(filepath.Join(o.ProjectDir, "Pulumi.yaml")); err != nil {
		fail("Options.ProjectDir %s: no Pulumi.yaml there", o.ProjectDir)
	} else if withStack && o.SettingsStack != "" {
		if _, err := os.Stat(filepath.Join(o.ProjectDir, "Pulumi."+o.SettingsStack+".yaml")); err != nil {
			fail("Options.ProjectDir %s: no Pulumi.%s.yaml there (stack %q has no settings file)", o.ProjectDir, o.SettingsStack, o.SettingsStack)
		}
	}

	if o.StateDir == "" {
		d, err := DefaultStateDir()
		if err != nil {
			fail("Options.StateDir: no default: %v", err)
		}
		o.StateDir = d
	}
	if abs, err := filepath.Abs(o.StateDir); err == nil {
		o.StateDir = abs
	}

	if o.Passphrase == "" {
		o.Passphrase = os.Getenv(PassphraseEnv)
	}
	if o.Passphrase == "" && os.Getenv(passphraseFileEnv) == "" {
		fail("%s is not set (nor Options.Passphrase): the stack's secrets need a passphrase", PassphraseEnv)
	}

	r := &resolved{config: map[string]string{}, secrets: map[string]string{}}
	for k, v := range o.Config {
		key := qualify(k)
		if !configKeyRe.MatchString(key) {
			fail("Options.Config: %q is not a config key (namespace:name)", k)
			continue
		}
		r.config[key] = v
	}
	for k, v := range o.SecretConfig {
		key := qualify(k)
		if !configKeyRe.MatchString(key) {
			fail("Options.SecretConfig: %q is not a config key (namespace:name)", k)
			continue
		}
		if _, dup := r.config[key]; dup {
			fail("Options.SecretConfig: %s is also in Options.Config; give it once", key)
		}
		if v == "" {
			fail("Options.SecretConfig: %s has an empty value", key)
		}
		r.secrets[key] = v
	}

	if o.Backend != "" && !backendRe.MatchString(o.Backend) {
		fail("Options.Backend %q: not a state backend URL (s3://, azblob://, gs://, https://, http:// or file://)", o.Backend)
	}
	if o.Parallel < 0 {
		fail("Options.Parallel %d: must be positive (0 takes the stack's setting)", o.Parallel)
	}

	root, err := resolvePulumiRoot(o.PulumiRoot)
	if err != nil {
		fail("%v", err)
	}
	r.pulumiRoot = root

	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Program == nil {
		o.Program = defaultProgram
		if o.CheckConfig == nil {
			o.CheckConfig = defaultCheckConfig
		}
		if o.NeedsSharedState == nil {
			o.NeedsSharedState = defaultNeedsSharedState
		}
	}

	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("runner: %s", strings.Join(errs, "; "))
	}
	r.Options = o
	return r, nil
}

// qualify puts a key without a namespace into the project's, as the CLI does.
func qualify(key string) string {
	key = strings.TrimSpace(key)
	if key != "" && !strings.Contains(key, ":") {
		return ProjectName + ":" + key
	}
	return key
}

// DefaultStateDir is where state lives when Options.StateDir is empty.
func DefaultStateDir() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "digit-iac"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "digit-iac"), nil
}

// resolvePulumiRoot turns Options.PulumiRoot into the Automation API's Root (a dir holding bin/pulumi).
func resolvePulumiRoot(dir string) (string, error) {
	if dir == "" {
		p, err := exec.LookPath("pulumi")
		if err != nil {
			return "", errors.New("Options.PulumiRoot is empty and no pulumi CLI is on PATH (run `bash hack/tools.sh` and source its env.sh)")
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir = filepath.Dir(p)
	}
	if isExecutable(filepath.Join(dir, "bin", "pulumi")) {
		return dir, nil
	}
	if isExecutable(filepath.Join(dir, "pulumi")) && filepath.Base(dir) == "bin" {
		return filepath.Dir(dir), nil
	}
	if isExecutable(filepath.Join(dir, "pulumi")) {
		// The Automation API only knows <root>/bin/pulumi; a binary elsewhere is reached through PATH.
		return "", fmt.Errorf("Options.PulumiRoot %s: the pulumi binary must be in a directory named bin", dir)
	}
	return "", fmt.Errorf("Options.PulumiRoot %s: no pulumi binary in it or in its bin/", dir)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
