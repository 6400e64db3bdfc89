// Package workflows holds the tests of .github/workflows: actionlint (as a library, so CI needs no extra binary)
// and the delivery rules a linter does not know: pinned actions, no credentials for code that is not main's.
package workflows

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	files, err := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "..", ".github", "workflows", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("expected the ci, preview, deploy and drift workflows; found %v", files)
	}
	return files
}

func TestActionlintPassesOnEveryWorkflow(t *testing.T) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %s", e)
	}
}

// workflow is the part of a workflow file the delivery rules read. (YAML 1.2, as GitHub reads it: a YAML 1.1
// decoder such as sigs.k8s.io/yaml turns the key `on` into the boolean true.)
type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string `yaml:"if"`
		Environment any    `yaml:"environment"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			With map[string]any    `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func load(t *testing.T, path string) workflow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(w.On) == 0 || len(w.Jobs) == 0 {
		t.Fatalf("%s: no triggers or no jobs read: the rules would check nothing", path)
	}
	return w
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

func TestEveryActionIsPinnedByCommit(t *testing.T) {
	for _, f := range workflowFiles(t) {
		for name, j := range load(t, f).Jobs {
			for _, s := range j.Steps {
				if s.Uses != "" && !strings.HasPrefix(s.Uses, "./") && !pinned.MatchString(s.Uses) {
					t.Errorf("%s job %s: %s is not pinned by a full commit SHA (a moved tag would change what runs)",
						filepath.Base(f), name, s.Uses)
				}
			}
		}
	}
}

// Code from a pull request never runs with prod's credentials, nor with any credential when it comes from a fork;
// pull_request_target (which runs with the base repository's secrets) is not used at all.
func TestPullRequestCodeNeverGetsProdOrForkCredentials(t *testing.T) {
	for _, f := range workflowFiles(t) {
		w := load(t, f)
		base := filepath.Base(f)
		if _, ok := w.On["pull_request_target"]; ok {
			t.Errorf("%s: triggered by pull_request_target, which runs with the repository's secrets", base)
		}
		if len(w.Permissions) == 0 {
			t.Errorf("%s: no top-level permissions: the token would get the repository's default (often write-all)", base)
		}
		if _, ok := w.On["pull_request"]; !ok {
			continue
		}
		for name, j := range w.Jobs {
			env, _ := j.Environment.(string)
			usesCreds := env != ""
			for _, s := range j.Steps {
				if strings.Contains(s.Uses, "configure-aws-credentials") {
					usesCreds = true
				}
				for _, v := range s.Env {
					usesCreds = usesCreds || strings.Contains(v, "secrets.")
				}
				if stack, _ := s.With["stack-name"].(string); strings.Contains(stack, "prod") {
					t.Errorf("%s job %s: a pull request's code operates on stack %s", base, name, stack)
				}
			}
			if strings.Contains(env, "prod") {
				t.Errorf("%s job %s: a pull request's code runs in environment %s", base, name, env)
			}
			if usesCreds && !strings.Contains(j.If, "github.event.pull_request.head.repo.full_name == github.repository") {
				t.Errorf("%s job %s: uses credentials on pull_request without excluding forks", base, name)
			}
		}
	}
}
