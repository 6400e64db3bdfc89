// Command mutate is the project's mutation tester (`make mutate`). It changes one operator of a package at a time
// and reruns the package's tests; a mutant the tests still pass with ("survived") marks a line no assertion reads.
//
// Why not a tool that edits the source and rebuilds per mutant (gremlins was used first): every mutant of a package
// that links the Pulumi AWS and Kubernetes SDKs then pays a 20-60 s relink, hours for one package. This one uses
// mutant schemata: every mutant of the package is compiled into one test binary, each behind a switch read from the
// environment (DIGIT_MUTANT=<id>), so a package costs one build (through `go test -c -overlay`, the working tree is
// never touched) and one test run per mutant.
//
// Mutants (the operators gremlins enables by default, plus inverted logic and loop control):
//
//	conditionals-boundary   <  <=  >  >=  to  <=  <  >=  >
//	conditionals-negation   == != < <= > >=  to  != == >= > <= <
//	arithmetic-base         + - * / %  to  - + / * *
//	increment-decrement     x++  x--  to  x--  x++
//	invert-negatives        -x  to  x
//	invert-logical          &&  ||  to  ||  &&
//	invert-loopctrl         break  continue  to  continue  break
//
// A mutant is "not covered" when the package's tests never reach its line, and "not viable" when the schema cannot
// express it in Go (a string's +, an untyped constant turned into a call, a bool of a named type): the first build
// reports those, and they are dropped until the package compiles. Expressions in const declarations are not
// mutated (a switch read at run time cannot make a constant).
//
// Usage: go run ./hack/mutate [-workers N] [-out DIR] DIR[=TESTDIR]...   (DIR a package directory of the module,
// DIR/... every package below it; =TESTDIR judges its mutants by another package's tests)
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	workers := flag.Int("workers", 2, "mutants tested at once")
	out := flag.String("out", "", "directory for the per-mutant results of each package (default: none kept)")
	timeoutFactor := flag.Float64("timeout-factor", 10, "a mutant's test may take this many times its time without mutants (at least -min-timeout)")
	minTimeout := flag.Duration("min-timeout", 30*time.Second, "the shortest time a mutant's test is given")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mutate [-workers N] [-out DIR] DIR...")
		os.Exit(2)
	}
	if *workers < 1 {
		fmt.Fprintln(os.Stderr, "mutate: -workers must be at least 1")
		os.Exit(2)
	}
	pkgs, err := listPackages(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
	var summary []string
	failed := false
	for _, p := range pkgs {
		if p.testRel != p.rel {
			fmt.Fprintf(os.Stderr, "[mutate] %s (by the tests of %s)\n", p.rel, p.testRel)
		} else {
			fmt.Fprintf(os.Stderr, "[mutate] %s\n", p.rel)
		}
		res, err := mutatePackage(p, options{workers: *workers, timeoutFactor: *timeoutFactor, minTimeout: *minTimeout})
		if err != nil {
			fmt.Fprintf(os.Stderr, "[mutate] %s: %v\n", p.rel, err)
			summary = append(summary, fmt.Sprintf("%-28s error: %v", p.rel, err))
			failed = true
			continue
		}
		for _, m := range res {
			if m.Status == survived {
				fmt.Fprintf(os.Stderr, "[mutate]   survived: %s:%d:%d %s (%s -> %s)\n", m.File, m.Line, m.Col, m.Operator, m.From, m.To)
			}
		}
		if *out != "" {
			if err := writeResults(*out, p.rel, res); err != nil {
				fmt.Fprintln(os.Stderr, "mutate:", err)
				failed = true
			}
		}
		summary = append(summary, summaryLine(p.rel, res))
	}
	fmt.Println()
	for _, s := range summary {
		fmt.Println(s)
	}
	if failed {
		os.Exit(1)
	}
}

type status string

const (
	killed     status = "killed"
	survived   status = "survived"
	notCovered status = "not covered"
	timedOut   status = "timed out"
	notViable  status = "not viable"
)

// result is one mutant's outcome, placed at its operator in the original source.
type result struct {
	ID       int    `json:"id"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Operator string `json:"operator"`
	From     string `json:"from"`
	To       string `json:"to"`
	Status   status `json:"status"`
}

func summaryLine(pkg string, res []result) string {
	n := map[status]int{}
	for _, r := range res {
		n[r.Status]++
	}
	rate := "n/a"
	if k, s := n[killed], n[survived]; k+s > 0 {
		rate = fmt.Sprintf("%.1f%%", 100*float64(k)/float64(k+s))
	}
	return fmt.Sprintf("%-28s killed %4d  survived %4d  not covered %4d  timed out %3d  not viable %3d  kill rate %s",
		pkg, n[killed], n[survived], n[notCovered], n[timedOut], n[notViable], rate)
}

func writeResults(dir, pkg string, res []result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".json"), b, 0o644)
}

type pkg struct {
	rel, dir, name string
	files          []string // non-test Go files, absolute
	hasTests       bool
	// testRel and testDir: the package whose tests judge the mutants (itself unless the argument named another).
	testRel, testDir string
}

// listPackages expands the arguments: DIR, DIR/... (every package below DIR), each optionally =TESTDIR, for a
// package whose behaviour another package's tests check (the cloud layers, driven by the stacks' tests).
func listPackages(args []string) ([]pkg, error) {
	var out []pkg
	for _, a := range args {
		pattern, testRel, by := strings.Cut(a, "=")
		pkgs, err := listPattern([]string{pattern})
		if err != nil {
			return nil, err
		}
		if by {
			tests, err := listPattern([]string{testRel})
			if err != nil {
				return nil, err
			}
			if len(tests) != 1 {
				return nil, fmt.Errorf("%s: the tests of %s are not one package", a, testRel)
			}
			for i := range pkgs {
				pkgs[i].testRel, pkgs[i].testDir, pkgs[i].hasTests = tests[0].rel, tests[0].dir, tests[0].hasTests
			}
		}
		out = append(out, pkgs...)
	}
	return out, nil
}

func listPattern(args []string) ([]pkg, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cmdArgs := []string{"list", "-e", "-f", "{{.Dir}}\t{{.Name}}\t{{join .GoFiles \",\"}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}\t{{if .Error}}{{.Error}}{{end}}"}
	for _, a := range args {
		cmdArgs = append(cmdArgs, "./"+strings.TrimPrefix(a, "./"))
	}
	var stderr bytes.Buffer
	cmd := exec.Command("go", cmdArgs...)
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimRight(string(outb), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("go list: unexpected line %q", line)
		}
		if f[5] != "" {
			return nil, fmt.Errorf("package %s: %s", f[0], f[5])
		}
		if f[2] == "" {
			continue // test-only or empty directory: nothing to mutate
		}
		rel, err := filepath.Rel(root, f[0])
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("package %s is outside the module at %s", f[0], root)
		}
		p := pkg{rel: rel, dir: f[0], name: f[1], hasTests: f[3] != "0" || f[4] != "0", testRel: rel, testDir: f[0]}
		for _, g := range strings.Split(f[2], ",") {
			p.files = append(p.files, filepath.Join(f[0], g))
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// options of a run; see the flags.
type options struct {
	workers       int
	timeoutFactor float64
	minTimeout    time.Duration
}

func mutatePackage(p pkg, o options) ([]result, error) {
	workers := o.workers
	tmp, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		return nil, err
	}
	if os.Getenv("MUTATE_KEEP") != "" {
		fmt.Fprintf(os.Stderr, "[mutate]   schema kept in %s\n", tmp) // to read what a mutant became
	} else {
		defer os.RemoveAll(tmp)
	}

	var files []*schemaFile
	var all []*site
	fset := token.NewFileSet()
	for _, path := range p.files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		sf := &schemaFile{path: path, src: src, fset: fset, ast: f}
		sf.findSites(&all)
		files = append(files, sf)
	}
	dropped := map[*site]bool{}

	// A site the package's tests cannot reach is reported without a build.
	if !p.hasTests {
		assignIDs(all, dropped)
		return results(all, dropped, nil, nil), nil
	}

	bin := filepath.Join(tmp, "pkg.test")
	for round := 0; ; round++ {
		assignIDs(all, dropped)
		overlay := map[string]string{}
		for i, sf := range files {
			text := sf.render(dropped)
			mut := filepath.Join(tmp, fmt.Sprintf("f%d.go", i))
			if err := os.WriteFile(mut, text, 0o644); err != nil {
				return nil, err
			}
			overlay[sf.path] = mut
			sf.overlay = mut
		}
		helper := filepath.Join(tmp, "helper.go")
		if err := os.WriteFile(helper, []byte(helperSource(p.name)), 0o644); err != nil {
			return nil, err
		}
		overlay[filepath.Join(p.dir, "zz_digit_mutant_schema.go")] = helper
		ov, _ := json.Marshal(map[string]any{"Replace": overlay})
		ovPath := filepath.Join(tmp, "overlay.json")
		if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command("go", "test", "-c", "-vet=off", "-o", bin, "-overlay", ovPath, "-gcflags=./"+p.rel+"=-e", "./"+p.testRel)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Run(); err == nil {
			break
		}
		bad := errorSites(buf.String(), files)
		if len(bad) == 0 || round == 9 {
			return nil, fmt.Errorf("the mutant schema does not build, and no error names a mutant:\n%s", buf.String())
		}
		for _, s := range bad {
			dropped[s] = true
		}
		fmt.Fprintf(os.Stderr, "[mutate]   build round %d: %d sites not viable\n", round+1, len(bad))
	}

	// Baseline, one process per top-level test: each must pass with no mutant active, and records the sites it
	// reaches. A mutant then runs only the tests that reach it, the quickest first, and stops at the first failure:
	// most mutants are killed by a test of a few milliseconds, and none waits for a slow test that never reaches it.
	tests, err := baseline(bin, p.testDir, tmp, workers)
	if err != nil {
		return nil, err
	}
	reached := map[int]bool{}
	for _, tr := range tests {
		for id := range tr.reached {
			reached[id] = true
		}
	}

	outcome := map[int]status{}
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				st := survived
				for _, tr := range tests {
					if !tr.reached[id] {
						continue
					}
					timeout := max(o.minTimeout, time.Duration(float64(tr.took)*o.timeoutFactor))
					ctx, cancel := context.WithTimeout(context.Background(), timeout)
					_, err := runTests(ctx, bin, p.testDir, tr.name, id, "")
					timedOutNow := ctx.Err() != nil
					cancel()
					if timedOutNow {
						st = timedOut
						break
					}
					if err != nil {
						st = killed
						break
					}
				}
				mu.Lock()
				outcome[id] = st
				mu.Unlock()
			}
		}()
	}
	for _, s := range all {
		if dropped[s] {
			continue
		}
		for i := range s.alts {
			if reached[s.id+i] {
				work <- s.id + i
			}
		}
	}
	close(work)
	wg.Wait()
	return results(all, dropped, reached, outcome), nil
}

// testRun is one top-level test of the baseline: how long it took and the sites it reached.
type testRun struct {
	name    string
	took    time.Duration
	reached map[int]bool
}

// baseline runs every top-level test of the package on its own with no mutant active, quickest first in the result.
func baseline(bin, dir, tmp string, workers int) ([]testRun, error) {
	cmd := exec.Command(bin, "-test.list", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the tests: %v", err)
	}
	var names []string
	for _, n := range strings.Fields(string(out)) {
		if strings.HasPrefix(n, "Test") || strings.HasPrefix(n, "Example") {
			names = append(names, n)
		}
	}
	runs := make([]testRun, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			file := filepath.Join(tmp, "reached-"+n)
			start := time.Now()
			if out, err := runTests(context.Background(), bin, dir, n, -1, file); err != nil {
				errs[i] = fmt.Errorf("%s fails with no mutant active: %v\n%s", n, err, out)
				return
			}
			runs[i] = testRun{name: n, took: time.Since(start)}
			runs[i].reached, errs[i] = readReached(file)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortStableFunc(runs, func(a, b testRun) int { return int(a.took - b.took) })
	return runs, nil
}

// runTests runs one test of the package's test binary in its directory (tests read testdata relative to it) as
// `go test -short` would, with mutant id active (-1: none).
func runTests(ctx context.Context, bin, dir, test string, id int, reachedFile string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.short", "-test.count=1", "-test.failfast", "-test.run", "^"+test+"$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DIGIT_MUTANT="+strconv.Itoa(id), "DIGIT_MUTANT_REACHED="+reachedFile)
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

func readReached(path string) (map[int]bool, error) {
	reached := map[int]bool{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return reached, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %q", path, sc.Text())
		}
		reached[n] = true
	}
	return reached, sc.Err()
}

func results(all []*site, dropped map[*site]bool, reached map[int]bool, outcome map[int]status) []result {
	res := []result{}
	for _, s := range all {
		for i, alt := range s.alts {
			r := result{ID: s.id + i, File: s.file, Line: s.pos.Line, Col: s.pos.Column, Operator: alt.operator, From: s.from, To: alt.to}
			switch {
			case dropped[s]:
				r.Status, r.ID = notViable, -1
			case !reached[r.ID]:
				r.Status = notCovered
			default:
				r.Status = outcome[r.ID]
			}
			res = append(res, r)
		}
	}
	return res
}

// assignIDs numbers the alternatives of every viable site; a site's alternatives take consecutive ids.
func assignIDs(all []*site, dropped map[*site]bool) {
	next := 0
	for _, s := range all {
		s.id = -1
		if dropped[s] {
			continue
		}
		s.id = next
		next += len(s.alts)
	}
}

var compileError = regexp.MustCompile(`(?m)^(\S+\.go):(\d+):(\d+): `)

// errorSites maps the build's errors to the innermost site whose schema text holds each one.
func errorSites(out string, files []*schemaFile) []*site {
	var bad []*site
	seen := map[*site]bool{}
	for _, m := range compileError.FindAllStringSubmatch(out, -1) {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		for _, sf := range files {
			if !sameFile(m[1], sf.path) && !sameFile(m[1], sf.overlay) {
				continue
			}
			off := sf.offsetInRendered(line, col)
			var best *span
			for i := range sf.spans {
				sp := &sf.spans[i]
				if sp.start <= off && off < sp.end && (best == nil || sp.end-sp.start < best.end-best.start) {
					best = sp
				}
			}
			if best != nil && !seen[best.site] {
				seen[best.site] = true
				bad = append(bad, best.site)
			}
		}
	}
	return bad
}

func sameFile(reported, path string) bool {
	if filepath.IsAbs(reported) {
		return reported == path
	}
	abs, err := filepath.Abs(reported)
	return err == nil && abs == path
}

// alt is one mutant of a site.
type alt struct{ operator, to string }

type siteKind int

const (
	cmpSite   siteKind = iota // comparison: the expression and each alternative as a closure (the types stay Go's)
	logicSite                 // && ||: each operand as a closure, so the short circuit is kept
	arithSite                 // + - * / %: a generic call over numbers
	negSite                   // unary minus
	incSite                   // x++ / x--
	loopSite                  // break / continue
)

type site struct {
	kind     siteKind
	node     ast.Node
	file     string // relative to the package directory's module root, as printed
	pos      token.Position
	from     string
	alts     []alt
	id       int
	operands [2]ast.Expr
}

type span struct {
	start, end int
	site       *site
}

type schemaFile struct {
	path     string
	overlay  string // where the build reads the rendered file; errors name this path
	src      []byte
	fset     *token.FileSet
	ast      *ast.File
	sites    []*site // in source order of their start
	rendered []byte
	spans    []span
}

var (
	ordAlts = map[token.Token][]alt{
		token.LSS: {{"conditionals-boundary", "<="}, {"conditionals-negation", ">="}},
		token.LEQ: {{"conditionals-boundary", "<"}, {"conditionals-negation", ">"}},
		token.GTR: {{"conditionals-boundary", ">="}, {"conditionals-negation", "<="}},
		token.GEQ: {{"conditionals-boundary", ">"}, {"conditionals-negation", "<"}},
		token.EQL: {{"conditionals-negation", "!="}},
		token.NEQ: {{"conditionals-negation", "=="}},
	}
	logicAlts = map[token.Token][]alt{
		token.LAND: {{"invert-logical", "||"}},
		token.LOR:  {{"invert-logical", "&&"}},
	}
	arithAlts = map[token.Token]alt{
		token.ADD: {"arithmetic-base", "-"},
		token.SUB: {"arithmetic-base", "+"},
		token.MUL: {"arithmetic-base", "/"},
		token.QUO: {"arithmetic-base", "*"},
		token.REM: {"arithmetic-base", "*"},
	}
)

func (sf *schemaFile) off(p token.Pos) int { return sf.fset.Position(p).Offset }

func (sf *schemaFile) findSites(all *[]*site) {
	rel := sf.path
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, sf.path); err == nil {
			rel = r
		}
	}
	add := func(s *site, at token.Pos) {
		s.file, s.pos = rel, sf.fset.Position(at)
		s.pos.Filename = rel
		sf.sites = append(sf.sites, s)
		*all = append(*all, s)
	}
	var loops []ast.Node // enclosing for/range statements of the current node (function literals reset it)
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			if n.Tok == token.CONST {
				return false
			}
		case *ast.ArrayType, *ast.FuncType:
			return false // array lengths are constants; parameter lists hold no expressions to mutate
		case *ast.FuncLit:
			saved := loops
			loops = nil
			ast.Inspect(n.Body, visit)
			loops = saved
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			loops = append(loops, n)
			var body *ast.BlockStmt
			if f, ok := n.(*ast.ForStmt); ok {
				for _, c := range []ast.Node{f.Init, f.Cond, f.Post} {
					if c != nil {
						ast.Inspect(c, visit)
					}
				}
				body = f.Body
			} else {
				r := n.(*ast.RangeStmt)
				ast.Inspect(r.X, visit)
				body = r.Body
			}
			ast.Inspect(body, visit)
			loops = loops[:len(loops)-1]
			return false
		case *ast.BinaryExpr:
			operands := [2]ast.Expr{n.X, n.Y}
			if alts, ok := ordAlts[n.Op]; ok {
				add(&site{kind: cmpSite, node: n, from: n.Op.String(), alts: alts, operands: operands}, n.OpPos)
			} else if alts, ok := logicAlts[n.Op]; ok {
				add(&site{kind: logicSite, node: n, from: n.Op.String(), alts: alts, operands: operands}, n.OpPos)
			} else if a, ok := arithAlts[n.Op]; ok && !(isLiteral(n.X) && isLiteral(n.Y)) && !isString(n.X) && !isString(n.Y) {
				add(&site{kind: arithSite, node: n, from: n.Op.String(), alts: []alt{a}, operands: operands}, n.OpPos)
			}
		case *ast.UnaryExpr:
			if n.Op == token.SUB && !isLiteral(n.X) {
				add(&site{kind: negSite, node: n, from: "-", alts: []alt{{"invert-negatives", "+"}}, operands: [2]ast.Expr{n.X}}, n.OpPos)
			}
		case *ast.IncDecStmt:
			to := "--"
			if n.Tok == token.DEC {
				to = "++"
			}
			add(&site{kind: incSite, node: n, from: n.Tok.String(), alts: []alt{{"increment-decrement", to}}, operands: [2]ast.Expr{n.X}}, n.TokPos)
			return false // the operand is written twice by the schema; a mutant inside it would be too
		case *ast.BranchStmt:
			if n.Label == nil && len(loops) > 0 && (n.Tok == token.BREAK || n.Tok == token.CONTINUE) {
				to := "continue"
				if n.Tok == token.CONTINUE {
					to = "break"
				}
				add(&site{kind: loopSite, node: n, from: n.Tok.String(), alts: []alt{{"invert-loopctrl", to}}}, n.TokPos)
			}
		}
		return true
	}
	ast.Inspect(sf.ast, visit)
	slices.SortStableFunc(sf.sites, func(a, b *site) int { return sf.off(a.node.Pos()) - sf.off(b.node.Pos()) })
}

// isString: a string literal, or a concatenation with one; its + has no arithmetic mutant.
func isString(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.BasicLit:
		return v.Kind == token.STRING
	case *ast.ParenExpr:
		return isString(v.X)
	case *ast.BinaryExpr:
		return v.Op == token.ADD && (isString(v.X) || isString(v.Y))
	}
	return false
}

// isLiteral: -1 and 2*3 of literals are constants; a literal is never worth a mutant of its own sign.
func isLiteral(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return isLiteral(v.X)
	case *ast.UnaryExpr:
		return isLiteral(v.X)
	case *ast.BinaryExpr:
		return isLiteral(v.X) && isLiteral(v.Y)
	}
	return false
}

// render writes the file with every viable site replaced by its schema, recording where each site's text lands.
func (sf *schemaFile) render(dropped map[*site]bool) []byte {
	var b bytes.Buffer
	sf.spans = nil
	sf.emitRange(&b, 0, len(sf.src), dropped)
	sf.rendered = b.Bytes()
	return sf.rendered
}

// emitRange copies src[start:end), rendering the outermost sites inside it.
func (sf *schemaFile) emitRange(b *bytes.Buffer, start, end int, dropped map[*site]bool) {
	at := start
	for _, s := range sf.sites {
		so, se := sf.off(s.node.Pos()), sf.off(s.node.End())
		if dropped[s] || so < at || se > end {
			continue
		}
		b.Write(sf.src[at:so])
		sf.emitSite(b, s, dropped)
		at = se
	}
	b.Write(sf.src[at:end])
}

func (sf *schemaFile) emitExpr(b *bytes.Buffer, e ast.Node, dropped map[*site]bool) {
	sf.emitRange(b, sf.off(e.Pos()), sf.off(e.End()), dropped)
}

func (sf *schemaFile) emitSite(b *bytes.Buffer, s *site, dropped map[*site]bool) {
	start := b.Len()
	switch s.kind {
	case logicSite:
		// digitMutLogic(id, and, func() bool { return X }, func() bool { return Y })
		fmt.Fprintf(b, "digitMutLogic(%d, %t, func() bool { return ", s.id, s.from == "&&")
		sf.emitExpr(b, s.operands[0], dropped)
		b.WriteString(" }, func() bool { return ")
		sf.emitExpr(b, s.operands[1], dropped)
		b.WriteString(" })")
	case cmpSite:
		// digitMutCond(id, func() bool { return X op Y }, func() bool { return X alt1 Y }, ...)
		fmt.Fprintf(b, "digitMutCond(%d", s.id)
		for _, op := range append([]string{s.from}, altOps(s)...) {
			b.WriteString(", func() bool { return ")
			sf.emitExpr(b, s.operands[0], dropped)
			// Keep what lies between the operands (comments, line breaks) out: the operator is all that changes.
			fmt.Fprintf(b, " %s ", op)
			sf.emitExpr(b, s.operands[1], dropped)
			b.WriteString(" }")
		}
		b.WriteString(")")
	case arithSite:
		fmt.Fprintf(b, "digitMutArith(%d, %q, ", s.id, s.from)
		sf.emitExpr(b, s.operands[0], dropped)
		b.WriteString(", ")
		sf.emitExpr(b, s.operands[1], dropped)
		b.WriteString(")")
	case negSite:
		fmt.Fprintf(b, "digitMutNeg(%d, ", s.id)
		sf.emitExpr(b, s.operands[0], dropped)
		b.WriteString(")")
	case incSite:
		x := string(sf.src[sf.off(s.operands[0].Pos()):sf.off(s.operands[0].End())])
		fmt.Fprintf(b, "%s = digitMutInc(%d, %s, %t)", x, s.id, x, s.from == "++")
	case loopSite:
		fmt.Fprintf(b, "if digitMutOn(%d) { %s } else { %s }", s.id, s.alts[0].to, s.from)
	}
	sf.spans = append(sf.spans, span{start: start, end: b.Len(), site: s})
}

func altOps(s *site) []string {
	var ops []string
	for _, a := range s.alts {
		ops = append(ops, a.to)
	}
	return ops
}

// offsetInRendered turns a 1-based line and byte column of the rendered text into an offset.
func (sf *schemaFile) offsetInRendered(line, col int) int {
	off, l := 0, 1
	for l < line && off < len(sf.rendered) {
		i := bytes.IndexByte(sf.rendered[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		l++
	}
	return off + col - 1
}

// helperSource is the file added to the mutated package: the switch, and the record of reached sites.
func helperSource(pkgName string) string {
	return strings.ReplaceAll(`package PKG

import (
	digitmutos "os"
	digitmutstrconv "strconv"
	digitmutsync "sync"
)

var digitMutActive = func() int {
	n, err := digitmutstrconv.Atoi(digitmutos.Getenv("DIGIT_MUTANT"))
	if err != nil {
		return -1
	}
	return n
}()

var (
	digitMutSeen    digitmutsync.Map
	digitMutLog     *digitmutos.File
	digitMutLogOnce digitmutsync.Once
)

// digitMutReach appends a site's ids to DIGIT_MUTANT_REACHED once per process, unbuffered, so a test binary that
// exits early loses nothing.
func digitMutReach(id, n int) {
	if _, loaded := digitMutSeen.LoadOrStore(id, true); loaded {
		return
	}
	digitMutLogOnce.Do(func() {
		if p := digitmutos.Getenv("DIGIT_MUTANT_REACHED"); p != "" {
			digitMutLog, _ = digitmutos.OpenFile(p, digitmutos.O_APPEND|digitmutos.O_CREATE|digitmutos.O_WRONLY, 0o644)
		}
	})
	if digitMutLog != nil {
		for i := range n {
			digitMutLog.WriteString(digitmutstrconv.Itoa(id+i) + "\n")
		}
	}
}

// digitMutPick: which of a site's n alternatives is active (0-based), or -1.
func digitMutPick(id, n int) int {
	digitMutReach(id, n)
	if digitMutActive >= id && digitMutActive < id+n {
		return digitMutActive - id
	}
	return -1
}

func digitMutOn(id int) bool { return digitMutPick(id, 1) == 0 }

func digitMutLogic(id int, and bool, x, y func() bool) bool {
	if digitMutOn(id) {
		and = !and
	}
	if and {
		return x() && y()
	}
	return x() || y()
}

func digitMutCond(id int, orig func() bool, alts ...func() bool) bool {
	if i := digitMutPick(id, len(alts)); i >= 0 {
		return alts[i]()
	}
	return orig()
}

type digitMutNumber interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64
}

func digitMutArith[T digitMutNumber](id int, op string, a, b T) T {
	if digitMutOn(id) {
		op = map[string]string{"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}[op]
	}
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	}
	return digitMutRem(a, b)
}

// digitMutRem is % for the integers it is used with (a float's % does not compile, so no site has one).
func digitMutRem[T digitMutNumber](a, b T) T { return a - b*(a/b) }

func digitMutNeg[T ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64](id int, x T) T {
	if digitMutOn(id) {
		return x
	}
	return -x
}

func digitMutInc[T digitMutNumber](id int, x T, inc bool) T {
	if digitMutOn(id) {
		inc = !inc
	}
	if inc {
		return x + 1
	}
	return x - 1
}
`, "PKG", pkgName)
}
