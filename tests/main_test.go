package tests

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/digit-iac/digit/stacks/config"
)

// env is what TestMain established for the tests; problem says why they cannot run.
var env struct {
	repo         string // repository root
	toolsProblem string // non-empty: the toolchain is not available
	cpProblem    string // non-empty: the control plane is not available
	optional     bool   // skip instead of fail when a problem is set

	localcpDir string // the control plane's state dir when this process started it
	pg         pgConn
}

// pgConn is the local Postgres the control plane runs.
type pgConn struct {
	Host, Port, DB, User, Password string
	// MaxConnections is the server's max_connections (the stack's connection budget).
	MaxConnections string
}

// Binaries from hack/tools.sh: the engine tests need the first set, the control plane the second.
var (
	engineTools       = []string{"go", "pulumi"}
	controlPlaneTools = []string{"pulumi-language-go", "pulumi-resource-kubernetes", "kubectl", "kube-apiserver",
		"kube-controller-manager", "kube-scheduler", "etcd", "kwok"}
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips itself
	}
	os.Exit(setupAndRun(m))
}

func setupAndRun(m *testing.M) int {
	env.optional = os.Getenv("DIGIT_E2E_OPTIONAL") == "1"
	repo, err := filepath.Abs("..")
	if err != nil {
		env.toolsProblem = err.Error()
		return m.Run()
	}
	env.repo = repo

	if err := loadToolchain(); err != nil {
		env.toolsProblem = err.Error()
		env.cpProblem = "no toolchain to run it with"
		return m.Run()
	}
	stop, err := startControlPlane()
	if err != nil {
		env.cpProblem = err.Error()
	}
	code := m.Run()
	if stop == nil {
		return code
	}
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// requireTools fails (or, with DIGIT_E2E_OPTIONAL=1, skips) a test when the toolchain is missing.
func requireTools(t *testing.T) {
	t.Helper()
	require(t, env.toolsProblem)
}

// requireControlPlane is requireTools plus a running control plane.
func requireControlPlane(t *testing.T) {
	t.Helper()
	require(t, env.toolsProblem)
	require(t, env.cpProblem)
}

func require(t *testing.T, problem string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	if problem == "" {
		return
	}
	if env.optional {
		t.Skipf("DIGIT_E2E_OPTIONAL=1 and the end-to-end environment is missing: %s", problem)
	}
	t.Fatalf("the end-to-end environment is missing: %s\n(set DIGIT_E2E_OPTIONAL=1 to skip instead)", problem)
}

// loadToolchain puts the toolchain of hack/tools.sh on PATH: env.sh is sourced by bash (it is a shell file, and
// PATH in it extends the current one) and every variable it sets or changes is copied into this process.
func loadToolchain() error {
	dir := os.Getenv("DIGIT_TOOLS_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		dir = filepath.Join(home, ".cache", "digit-iac")
	}
	envFile := filepath.Join(dir, "env.sh")
	if _, err := os.Stat(envFile); err != nil {
		return fmt.Errorf("no toolchain at %s (run `bash hack/tools.sh` first; it builds pulumi, the Kubernetes "+
			"provider, the control plane binaries and kwok into DIGIT_TOOLS_DIR)", envFile)
	}
	if err := sourceInto(envFile); err != nil {
		return fmt.Errorf("sourcing %s: %w", envFile, err)
	}
	return missingTools(engineTools)
}

func missingTools(tools []string) error {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not on PATH after sourcing the toolchain's env.sh (run `bash hack/tools.sh` to finish "+
			"the toolchain)", strings.Join(missing, ", "))
	}
	return nil
}

// sourceInto sources a shell file with bash and copies the variables it set or changed into this process.
func sourceInto(file string) error {
	out, err := exec.Command("bash", "-c", `set -a; source "$1" >/dev/null; env -0`, "bash", file).Output()
	if err != nil {
		return err
	}
	for _, kv := range bytes.Split(out, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok || k == "" || k == "_" || k == "SHLVL" || k == "PWD" || k == "OLDPWD" {
			continue
		}
		if cur, set := os.LookupEnv(k); !set || cur != v {
			os.Setenv(k, v)
		}
	}
	return nil
}

// localcp is `hack/localcp.sh ACTION STATEDIR`.
func localcp(action, dir string) *exec.Cmd {
	return exec.Command("bash", filepath.Join(env.repo, "hack", "localcp.sh"), action, dir)
}

// startControlPlane uses the control plane DIGIT_LOCALCP_ENV names, or starts one with hack/localcp.sh; it returns
// how to stop what it started.
func startControlPlane() (func() error, error) {
	noop := func() error { return nil }
	// localcp.sh would build missing tools itself, for twenty minutes, inside a test run: refuse instead.
	if err := missingTools(controlPlaneTools); err != nil {
		return nil, err
	}
	envFile := os.Getenv("DIGIT_LOCALCP_ENV")
	if envFile == "" {
		dir, err := os.MkdirTemp("", "digit-e2e-localcp-")
		if err != nil {
			return nil, err
		}
		env.localcpDir = dir
		out, err := localcp("start", dir).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("hack/localcp.sh start %s failed: %v\n%s", dir, err, tail(string(out), 40))
		}
		envFile = filepath.Join(dir, "env")
		noop = func() error {
			out, err := localcp("stop", dir).CombinedOutput()
			if err != nil {
				return fmt.Errorf("hack/localcp.sh stop: %v\n%s", err, tail(string(out), 20))
			}
			return os.RemoveAll(dir)
		}
	}
	if err := sourceInto(envFile); err != nil {
		return noop, fmt.Errorf("sourcing the control plane's env %s: %w", envFile, err)
	}
	env.pg = pgConn{
		Host: os.Getenv("DIGIT_PG_HOST"), Port: os.Getenv("DIGIT_PG_PORT"), DB: os.Getenv("DIGIT_PG_DB"),
		User: os.Getenv("DIGIT_PG_USER"), Password: os.Getenv("DIGIT_PG_PASSWORD"),
		MaxConnections: os.Getenv("DIGIT_PG_MAX_CONNECTIONS"),
	}
	for name, v := range map[string]string{
		"KUBECONFIG": os.Getenv("KUBECONFIG"), "DIGIT_PG_HOST": env.pg.Host, "DIGIT_PG_PORT": env.pg.Port,
		"DIGIT_PG_DB": env.pg.DB, "DIGIT_PG_USER": env.pg.User, "DIGIT_PG_PASSWORD": env.pg.Password,
		"DIGIT_PG_MAX_CONNECTIONS": env.pg.MaxConnections,
	} {
		if v == "" {
			return noop, fmt.Errorf("%s does not set %s", envFile, name)
		}
	}
	return noop, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// generatedSecrets returns digit:secrets for a stack's settings as `make up` makes them (hack/localsecrets):
// every required key of the Secrets its enabled services read, random.
func generatedSecrets(t *testing.T, src config.MapSource) string {
	t.Helper()
	secrets, err := config.GenerateStackSecrets(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withSecrets adds generated digit:secrets to a stack's settings.
func withSecrets(t *testing.T, src config.MapSource) config.MapSource {
	t.Helper()
	src.Values["digit:secrets"] = generatedSecrets(t, src)
	src.Secrets = append(src.Secrets, "digit:secrets")
	return src
}

// digitBin is cmd/digit, built once per test binary by digitBinary.
var digitBin struct {
	once sync.Once
	path string
	err  error
}

// digitBinary builds cmd/digit once, for the tests that run it as a user does (and kill or interrupt it).
func digitBinary(t *testing.T) string {
	t.Helper()
	digitBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "digit-e2e-bin-")
		if err != nil {
			digitBin.err = err
			return
		}
		bin := filepath.Join(dir, "digit")
		build := exec.Command("go", "build", "-o", bin, "./cmd/digit")
		build.Dir = env.repo
		if out, err := build.CombinedOutput(); err != nil {
			digitBin.err = fmt.Errorf("building cmd/digit: %v\n%s", err, out)
			return
		}
		digitBin.path = bin
	})
	if digitBin.err != nil {
		t.Fatal(digitBin.err)
	}
	return digitBin.path
}
