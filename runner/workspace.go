package runner

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// Paths under Options.StateDir.
const (
	backendSubdir = "backend"
	homeSubdir    = "home"
	workSubdir    = "work"
)

// BackendURL is the file backend a state directory holds; the CLI reaches the same stacks with
// PULUMI_BACKEND_URL set to it.
func BackendURL(stateDir string) string {
	return "file://" + filepath.ToSlash(filepath.Join(stateDir, backendSubdir))
}

// Env is the environment every pulumi command of a state directory runs with (also what a user exports to drive
// the same stacks with the plain CLI). The passphrase is not included.
func Env(stateDir string) map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":       BackendURL(stateDir),
		"PULUMI_HOME":              filepath.Join(stateDir, homeSubdir),
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		// No internet here: a missing plugin must fail at once, not after a slow download attempt.
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
	}
}

// PrepareStateDir creates the file backend and PULUMI_HOME of a state directory (the file backend refuses a
// directory that does not exist), for the runner and for a plain CLI pointed at it with Env.
func PrepareStateDir(stateDir string) error {
	for _, d := range []string{filepath.Join(stateDir, backendSubdir), filepath.Join(stateDir, homeSubdir)} {
		// 0700: the backend holds (encrypted) state; nobody else needs to read it.
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("runner: state dir: %w", err)
		}
	}
	return nil
}

// fileBackend is the directory of the session's file backend in the state dir; "" when Options.Backend names
// another (then the engine alone knows its locks and checkpoints).
func (s *session) fileBackend() string {
	if s.opts.Backend != "" {
		return ""
	}
	return filepath.Join(s.opts.StateDir, backendSubdir)
}

// session is one opened stack: its workspace prepared, config applied, the stack's run lock held until close.
type session struct {
	opts    *resolved
	stack   auto.Stack
	env     map[string]string
	workDir string
	lock    *runLock
}

// close ends the session: the run lock is released.
func (s *session) close() {
	if s != nil {
		s.lock.release()
	}
}

// Whether an operation runs the program: only those check the config first (outputs, refresh and destroy work
// from the state and must not need the run-time config).
const (
	runsProgram = true
	fromState   = false
)

// open prepares the state directory and workspace, selects (or creates) the stack, applies Options.Config and
// Options.SecretConfig, and, for an operation that runs the program, checks the resulting config before the engine
// starts.
func open(ctx context.Context, o Options, program bool, operation string) (s *session, err error) {
	r, err := o.resolve()
	if err != nil {
		return nil, err
	}
	work := filepath.Join(r.StateDir, workSubdir, r.Stack)
	if err := PrepareStateDir(r.StateDir); err != nil {
		return nil, err
	}
	if r.Backend == "" && r.NeedsSharedState != nil {
		cfg, err := stackConfig(r.ProjectDir, r.SettingsStack, r.config)
		if err != nil {
			return nil, fmt.Errorf("runner: %w", err)
		}
		if r.NeedsSharedState(cfg) {
			return nil, fmt.Errorf("runner: stack %s holds cloud resources, so its state must live in a backend everyone "+
				"who deploys it sees, not in this machine's state dir (%s): name it with --backend (Options.Backend), "+
				"e.g. s3://<bucket>?region=<region>, azblob://<container>, https://api.pulumi.com, or file://<dir> to "+
				"mean a local one", r.Stack, r.StateDir)
		}
	}
	// From here to the end of the operation the stack is this run's: its settings copy, config and engine run.
	lock, err := lockStack(r.StateDir, r.Stack, operation)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("runner: state dir: %w", err)
	}
	if err := copySettings(r.ProjectDir, work, r.SettingsStack, r.Stack, r.config); err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}

	env, wsOpts, err := r.workspace(work)
	if err != nil {
		return nil, err
	}
	stack, err := auto.UpsertStackInlineSource(ctx, r.Stack, ProjectName, r.Program, wsOpts...)
	if err != nil {
		return nil, fmt.Errorf("runner: selecting stack %s: %s", r.Stack, conciseError(err))
	}
	s = &session{opts: r, stack: stack, env: env, workDir: work, lock: lock}
	if err := s.applyConfig(ctx); err != nil {
		return nil, err
	}
	if err := s.setTags(ctx); err != nil {
		return nil, err
	}
	if program && r.CheckConfig != nil {
		if err := s.checkConfig(ctx); err != nil {
			return nil, err
		}
	}
	if !program {
		// No program, no config check: the state says whether a checkpoint per step protects anything.
		cp, err := s.readCheckpoint()
		if err != nil {
			return nil, err
		}
		if onlyKubernetesInState(cp) {
			s.finalCheckpointOnly()
		}
	}
	return s, nil
}

// workspace is the environment every pulumi command of the run gets (the state dir's, its backend, the
// passphrase) and the workspace options of a workspace in dir.
func (r *resolved) workspace(dir string) (map[string]string, []auto.LocalWorkspaceOption, error) {
	env := Env(r.StateDir)
	if r.Backend != "" {
		env["PULUMI_BACKEND_URL"] = r.Backend
	}
	if r.Passphrase != "" {
		env[PassphraseEnv] = r.Passphrase
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: r.pulumiRoot})
	if err != nil {
		return nil, nil, fmt.Errorf("runner: pulumi CLI: %w", err)
	}
	return env, []auto.LocalWorkspaceOption{
		auto.WorkDir(dir),
		auto.PulumiHome(env["PULUMI_HOME"]),
		auto.EnvVars(env),
		auto.SecretsProvider("passphrase"),
		auto.Pulumi(cmd),
	}, nil
}

// copySettings copies Pulumi.yaml and Pulumi.<from>.yaml from the checkout into the workspace as
// Pulumi.<stack>.yaml, so that the CLI
// writes (salt, secrets set at run time) only into the copy, with the plaintext Options.Config values written into
// it as the CLI's `config set` would (a value replaces the whole key). Written here rather than by `config set-all`:
// that puts every value on one command line, which a large value (a big catalogue override) exceeds, and costs a
// CLI start. The checkout's settings win on every run; only the encryption salt the passphrase provider minted into
// the previous copy is carried over, so the copy's secure values and the stack's secrets keep one salt.
func copySettings(projectDir, work, from, stack string, config map[string]string) error {
	proj, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "Pulumi.yaml"), proj, 0o600); err != nil {
		return err
	}
	name := "Pulumi." + stack + ".yaml"
	settings, err := os.ReadFile(filepath.Join(projectDir, "Pulumi."+from+".yaml"))
	if err != nil {
		return err
	}
	if salt(settings) == "" {
		if prev, err := os.ReadFile(filepath.Join(work, name)); err == nil {
			if s := salt(prev); s != "" {
				settings = append(bytes.TrimRight(settings, "\n"), []byte("\nencryptionsalt: "+s+"\n")...)
			}
		}
	}
	if len(config) > 0 {
		// YAML 1.2, as the CLI reads the file (a YAML 1.1 decoder would turn an unquoted yes into true).
		var doc map[string]any
		if err := yamlv3.Unmarshal(settings, &doc); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			doc = map[string]any{}
		}
		cfg, _ := doc["config"].(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		for k, v := range config {
			// A key of the project's namespace may be written without it in the file: one key, not two.
			if ns, bare, ok := strings.Cut(k, ":"); ok && ns == ProjectName {
				delete(cfg, bare)
			}
			cfg[k] = v
		}
		doc["config"] = cfg
		if settings, err = yamlv3.Marshal(doc); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(work, name), settings, 0o600)
}

// stackConfig is the stack's plaintext config as its settings file and the run's overrides give it, keys qualified.
func stackConfig(projectDir, stack string, overrides map[string]string) (map[string]string, error) {
	name := "Pulumi." + stack + ".yaml"
	b, err := os.ReadFile(filepath.Join(projectDir, name))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yamlv3.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := map[string]string{}
	for k, v := range doc.Config {
		if str, ok := v.(string); ok {
			out[qualify(k)] = str
		}
	}
	for k, v := range overrides {
		out[k] = v
	}
	return out, nil
}

func salt(settings []byte) string {
	var f struct {
		EncryptionSalt string `json:"encryptionsalt"`
	}
	if yaml.Unmarshal(settings, &f) != nil {
		return ""
	}
	return f.EncryptionSalt
}

// applyConfig writes Options.SecretConfig into the workspace's copy of the stack settings.
func (s *session) applyConfig(ctx context.Context) error {
	// Options.Config is in the copy already (copySettings).
	// Secrets go through stdin, one key at a time: `config set-all` would put them on a command line, readable
	// by anyone who lists processes.
	for _, k := range slices.Sorted(maps.Keys(s.opts.secrets)) {
		_, stderr, _, err := s.stack.Workspace().PulumiCommand().Run(ctx, s.workDir,
			strings.NewReader(s.opts.secrets[k]), nil, nil, s.envList(),
			"config", "set", "--stack", s.opts.Stack, "--secret", "--raw", "--", k)
		if err != nil {
			return fmt.Errorf("runner: applying Options.SecretConfig %s: %v: %s", k, err, strings.TrimSpace(stderr))
		}
	}
	return nil
}

// checkConfig hands the stack's whole config (as the program will see it) to Options.CheckConfig, so that a typo
// or an invalid value fails before the engine starts.
func (s *session) checkConfig(ctx context.Context) error {
	all, err := s.stack.GetAllConfig(ctx)
	if err != nil {
		return fmt.Errorf("runner: reading the stack's config: %s", conciseError(err))
	}
	values := make(map[string]ConfigValue, len(all))
	for k, v := range all {
		values[k] = ConfigValue{Value: v.Value, Secret: v.Secret}
	}
	st, err := s.opts.CheckConfig(ProjectName, s.opts.Stack, values)
	if err != nil {
		return err
	}
	if s.opts.Parallel == 0 {
		s.opts.Parallel = st.Parallel
	}
	if st.FinalCheckpointOnly {
		s.finalCheckpointOnly()
	}
	return nil
}

// finalCheckpointOnly makes the engine save the state at the end of the operation only.
func (s *session) finalCheckpointOnly() {
	s.stack.Workspace().SetEnvVar(skipCheckpointsEnv, "true")
	s.env[skipCheckpointsEnv] = "true"
}

// skipCheckpointsEnv makes the engine save the state at the end of an operation only.
const skipCheckpointsEnv = "PULUMI_SKIP_CHECKPOINTS"

func (s *session) envList() []string {
	out := make([]string, 0, len(s.env))
	for k, v := range s.env {
		out = append(out, k+"="+v)
	}
	return out
}

// note writes one of the runner's own lines into the progress stream.
func (s *session) note(format string, args ...any) {
	fmt.Fprintf(s.opts.Out, "digit: "+format+"\n", args...)
}
