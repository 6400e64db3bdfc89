// Command deploy is `make bench`: it measures how long deploying the local stack (the whole catalogue) takes on the
// local control plane, against `kubectl apply --server-side` of the very same objects, and writes
// bench/results.md. It is a benchmark, not a test: it needs the local tools (hack/tools.sh) and a quiet machine.
//
//	P1  first up from empty, against kubectl apply of the rendered objects (plus the Secrets render mode leaves
//	    out), both waiting for the same conditions; alternating runs, each on a fresh control plane
//	P2  no-op up and preview, over P1
//	P3  synthetic catalogues of 1x, 2x, 4x the services: time 4x / 1x
//	P4  one image tag changed: resources touched and time, over P1
//	P5  start-ups delayed by image class (kwok stages): deploy time against the longest chain that must be ordered
//	P6  the program's cold build (peak RSS of the build) and its rebuild after a one-line change
//
//	go run ./bench/deploy [-runs 5] [-only P1,P2,P4] [-out bench/results.md]
//
// The figures are also kept in bench/results.json: a run of some (-only) replaces those and keeps the others.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

const stack = "local"

type bench struct {
	repo    string // the project checkout
	work    string // scratch: control planes, state dirs, renders, logs
	kubectl string
	runs    int
	log     io.Writer
	results *results
}

func main() {
	runs := flag.Int("runs", 5, "alternating P1 runs (each: a pulumi up and a kubectl apply, each on a fresh control plane)")
	only := flag.String("only", "P1,P2,P3,P4,P5,P6", "comma-separated figures to measure (P2 and P4 need P1)")
	out := flag.String("out", "bench/results.md", "where to write the results")
	work := flag.String("work", filepath.Join(os.TempDir(), "digit-bench"), "scratch directory (emptied first)")
	flag.Parse()
	if err := run(*runs, *only, *out, *work); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, only, out, work string) error {
	if runs < 1 {
		return fmt.Errorf("-runs %d: want at least 1", runs)
	}
	want := map[string]bool{}
	for _, f := range strings.Split(only, ",") {
		f = strings.TrimSpace(strings.ToUpper(f))
		switch f {
		case "P1", "P2", "P3", "P4", "P5", "P6":
			want[f] = true
		default:
			return fmt.Errorf("-only: unknown figure %q (P1 to P6)", f)
		}
	}
	if (want["P2"] || want["P4"]) && !want["P1"] {
		return errors.New("-only: P2 and P4 are measured within P1's runs; add P1")
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(repo, "Pulumi."+stack+".yaml")); err != nil {
		return fmt.Errorf("run from the project's root (no Pulumi.%s.yaml in %s)", stack, repo)
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		return errors.New("no kubectl on PATH: source the env.sh that hack/tools.sh prints")
	}
	if os.Getenv(runner.PassphraseEnv) == "" {
		os.Setenv(runner.PassphraseEnv, "digit-bench")
	}
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(work, "logs"), 0o700); err != nil {
		return err
	}
	jsonPath := strings.TrimSuffix(out, ".md") + ".json"
	b := &bench{repo: repo, work: work, kubectl: kubectl, runs: runs, log: os.Stderr, results: loadResults(jsonPath)}
	b.results.describeMachine(kubectl)
	b.results.Failures = nil
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"P1", b.p1}, {"P3", b.p3}, {"P5", b.p5}, {"P6", b.p6},
	}
	ctx := context.Background()
	b.results.Want = want
	for f := range want {
		b.results.reset(f)
	}
	for _, s := range steps {
		if !want[s.name] {
			continue
		}
		if err := s.fn(ctx); err != nil {
			b.results.Failures = append(b.results.Failures, fmt.Sprintf("%s: %v", s.name, err))
			b.logf("%s failed: %v", s.name, err)
		}
	}
	if err := b.results.save(jsonPath); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(b.results.markdown()), 0o644); err != nil {
		return err
	}
	b.logf("wrote %s", out)
	if len(b.results.Failures) > 0 {
		return fmt.Errorf("%d figure(s) failed; see %s", len(b.results.Failures), out)
	}
	return nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "[bench %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// logFile is a fresh progress log under work/logs.
func (b *bench) logFile(name string) (*os.File, error) {
	return os.Create(filepath.Join(b.work, "logs", name+".log"))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func spread(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	lo, hi := ds[0], ds[0]
	for _, d := range ds {
		lo, hi = min(lo, d), max(hi, d)
	}
	return lo, hi
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// stackSource is the local stack file as the engine would present it.
func (b *bench) stackSource() (config.MapSource, error) {
	return config.StackFileSource(filepath.Join(b.repo, "Pulumi."+stack+".yaml"), nil)
}

func goVersion() string { return runtime.Version() }

// jsonString is v as JSON (for --config values).
func jsonString(v any) string {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(j)
}
