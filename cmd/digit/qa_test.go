package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digit-iac/digit/qa"
)

func TestParseRejectsBadQAFlagsNamingThem(t *testing.T) {
	dir := projectDir(t)
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.qa-old.yaml"), []byte("config: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"qa"}, "qa: want a subcommand, one of up, list, destroy, gc"},
		{[]string{"qa", "deploy"}, "qa: want a subcommand"},
		{[]string{"qa", "up", "--dir", dir}, "qa up --name: a QA stack needs a name"},
		{[]string{"qa", "up", "--dir", dir, "--name", "PR-1"}, `QA name "PR-1": lowercase letters`},
		{[]string{"qa", "up", "--dir", dir, "--name", "a_b"}, `QA name "a_b"`},
		{[]string{"qa", "up", "--dir", dir, "--name", strings.Repeat("x", 19)}, "19 characters long; at most 18"},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--ttl", "soon"}, `qa up --ttl: TTL "soon": not a duration`},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--ttl", "31d"}, `TTL "31d": must be between 1m and 30d`},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--ttl", "30s"}, `TTL "30s": must be between 1m and 30d`},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--ttl", "-2h"}, `TTL "-2h": must be between`},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--base", "staging"}, `qa up --base "staging": no Pulumi.staging.yaml in --dir ` + dir + "; bases there: local"},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--base", "qa-old"}, "qa up --base qa-old: a QA stack cannot be the base of another"},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "-s", "local"}, "-s/--stack has no effect"},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--config", "digit:qa=b"}, "--config digit:qa: set by the qa commands themselves"},
		{[]string{"qa", "up", "--dir", dir, "--name", "a", "--config", "qa=b"}, "--config digit:qa: set by the qa commands themselves"},
		{[]string{"qa", "list", "--dir", dir, "--name", "a"}, "qa list: --name has no effect on it"},
		{[]string{"qa", "list", "--dir", dir, "--yes", "--ttl", "1h"}, "qa list: --ttl, --yes has no effect on it"},
		{[]string{"qa", "gc", "--dir", dir, "--config", "a=1"}, "qa gc: --config has no effect on it"},
		{[]string{"qa", "destroy", "--dir", dir}, "qa destroy --name: a QA stack needs a name"},
		{[]string{"qa", "destroy", "--dir", dir, "--name", "a", "--ttl", "1h"}, "qa destroy: --ttl has no effect on it"},
		{[]string{"up", "-s", "local", "--dir", dir, "--name", "a"}, "--name is a flag of the qa commands, not of up"},
		{[]string{"qa", "list", "--dir", t.TempDir()}, "no Pulumi.yaml there"},
	}
	for _, c := range cases {
		_, err := parse(c.args, env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("digit %s: expected an error containing %q; got %v", strings.Join(c.args, " "), c.want, err)
		}
	}
}

func TestParseQAUpBuildsTheQAStacksOptions(t *testing.T) {
	dir := projectDir(t)
	inv, err := parse([]string{"qa", "up", "--dir", dir, "--name", "pr-7", "--ttl", "3d", "--yes",
		"--config", `digit:database={"host":"h","port":5432}`}, env(nil))
	if err != nil {
		t.Fatalf("expected valid flags to parse: %v", err)
	}
	if inv.command != "qa up" || inv.opts.Stack != "qa-pr-7" || inv.opts.SettingsStack != "local" {
		t.Errorf("expected stack qa-pr-7 run with local's settings; got %q %q %q", inv.command, inv.opts.Stack, inv.opts.SettingsStack)
	}
	if inv.qa.ttl != 72*time.Hour || inv.qa.base != "local" || inv.qa.name != "pr-7" {
		t.Errorf("expected ttl 72h, base local, name pr-7; got %+v", inv.qa)
	}
	if inv.opts.Config["digit:database"] != `{"host":"h","port":5432}` {
		t.Errorf("expected --config carried into the options; got %v", inv.opts.Config)
	}
	inv, err = parse([]string{"qa", "up", "--dir", dir, "--name", "b"}, env(nil))
	if err != nil || inv.qa.ttl != 24*time.Hour {
		t.Errorf("expected the default TTL of 24h; got %v, %v", inv, err)
	}
}

// Without a terminal, a qa command that deletes needs --yes; nothing runs.
func TestQADestroyAndGCNeedYesWithoutATerminal(t *testing.T) {
	dir := projectDir(t)
	for _, args := range [][]string{{"qa", "destroy", "--name", "a"}, {"qa", "gc"}} {
		var stdout, stderr bytes.Buffer
		state := t.TempDir()
		code := run(context.Background(), append(args, "--dir", dir, "--state", state),
			strings.NewReader(""), &stdout, &stderr, env(map[string]string{}))
		want := strings.Join(args[:2], " ") + " deletes QA stacks: pass --yes"
		if code != exitUsage || !strings.Contains(stderr.String(), want) {
			t.Errorf("digit %s: expected exit %d and %q; got %d, %s", strings.Join(args, " "), exitUsage, want, code, stderr.String())
		}
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("digit %s: expected nothing written to the state dir; found %d entries", strings.Join(args, " "), len(entries))
		}
	}
}

func TestQATableShowsAgeExpiryAndStatus(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	stacks := []qaStack{
		{record: recordOf("a", now.Add(-90*time.Minute), now.Add(30*time.Minute))},
		{record: recordOf("b", now.Add(-48*time.Hour), now.Add(-2*time.Hour))},
	}
	stacks[0].Name, stacks[0].LastOperation, stacks[0].LastResult, stacks[0].Resources = "qa-a", "update", "succeeded", 42
	stacks[1].Name, stacks[1].UpdateInProgress = "qa-b", true
	stacks = append(stacks, qaStack{problem: "QA stack qa-c: no digit:qa-base tag"})
	stacks[2].Name = "qa-c"
	printQA(&b, stacks, now)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("expected a header and 3 rows; got\n%s", b.String())
	}
	for i, want := range [][]string{
		{"NAME", "BASE", "AGE", "EXPIRES", "STATUS", "RESOURCES"},
		{"a", "local", "1h30m", "in 30m", "update succeeded", "42"},
		{"b", "local", "48h", "expired 2h ago", "updating"},
		{"qa-c", "unreadable record: QA stack qa-c: no digit:qa-base tag"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("row %d %q lacks %q", i, lines[i], w)
			}
		}
	}
}

func recordOf(name string, created, expires time.Time) qa.Record {
	return qa.Record{Name: name, Base: "local", Created: created, Expires: expires}
}
