package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestSampleCounts runs the tester on testdata/sample, whose every mutant's fate is known: what the tests kill,
// what survives (the two boundary mutants of Clamp), a function no test calls, a + of strings, a loop that never
// ends once mutated. It also checks that the sources are left as they were (the mutants live in an overlay).
func TestSampleCounts(t *testing.T) {
	src := filepath.Join("testdata", "sample", "sample.go")
	before, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := listPackages([]string{"testdata/sample"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		t.Fatalf("listPackages found %d packages, want 1", len(pkgs))
	}
	res, err := mutatePackage(pkgs[0], options{workers: 2, timeoutFactor: 10, minTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	count := map[status]int{}
	var lived []string
	for _, r := range res {
		count[r.Status]++
		if r.Status == survived {
			lived = append(lived, r.Operator+" "+r.From+" -> "+r.To+" at line "+strconv.Itoa(r.Line))
		}
	}
	want := map[status]int{killed: 11, survived: 2, notCovered: 1, timedOut: 1, notViable: 1}
	for st, n := range want {
		if count[st] != n {
			t.Errorf("%s: %d, want %d (all: %v)", st, count[st], n, count)
		}
	}
	wantLived := []string{"conditionals-boundary < -> <= at line 12", "conditionals-boundary > -> >= at line 15"}
	if !slices.Equal(lived, wantLived) {
		t.Errorf("survivors %q, want %q", lived, wantLived)
	}
	if got := summaryLine("testdata/sample", res); got != "testdata/sample              killed   11  survived    2  not covered    1  timed out   1  not viable   1  kill rate 84.6%" {
		t.Errorf("summary line %q", got)
	}
	after, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("the source file was changed")
	}
	if _, err := os.Stat(filepath.Join("testdata", "sample", "zz_digit_mutant_schema.go")); !os.IsNotExist(err) {
		t.Errorf("the schema helper was written into the package: %v", err)
	}
}

// TestAPackageJudgedByAnothersTests: DIR=TESTDIR mutates DIR and runs TESTDIR's tests, for packages without tests
// of their own; without it, such a package's mutants are all not covered.
func TestAPackageJudgedByAnothersTests(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want status
	}{
		{"testdata/sample/twice=testdata/sample", killed},
		{"testdata/sample/twice", notCovered},
	} {
		pkgs, err := listPackages([]string{tc.arg})
		if err != nil || len(pkgs) != 1 {
			t.Fatalf("%s: %d packages, %v", tc.arg, len(pkgs), err)
		}
		res, err := mutatePackage(pkgs[0], options{workers: 1, timeoutFactor: 10, minTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Status != tc.want || res[0].File != "testdata/sample/twice/twice.go" {
			t.Errorf("%s: %+v, want one mutant of twice.go, %s", tc.arg, res, tc.want)
		}
	}
	if _, err := listPackages([]string{"testdata/sample/twice=testdata/nowhere"}); err == nil {
		t.Error("a TESTDIR that is not a package was accepted")
	}
}
