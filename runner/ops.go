package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Result is what an operation did (or, for a preview, would do).
type Result struct {
	// Operation is up, preview, refresh, preview-refresh, destroy or outputs.
	Operation string
	// Summary counts resources by operation, as the engine reports it ("same", "create", "update", "delete",
	// "replace", ...).
	Summary map[string]int
	// Changes lists each resource with a change, in URN order (resources that stay the same are left out).
	Changes []Change
	// Outputs are the stack outputs after up, and for outputs.
	Outputs map[string]Output
	// Recovered lists what the runner did to recover from an interrupted update before the operation.
	Recovered []string
	// Steps is the timing trace: each resource step the engine ran, from its start to its outputs (or failure),
	// in start order. The engine's events carry whole seconds only, so the times are when the runner received them.
	Steps []Step
}

// Step is one resource step of an operation, as the engine's events show it.
type Step struct {
	URN, Type, Op string
	Start, End    time.Time
	Failed        bool
}

// Duration is how long the step ran (zero if it never ended).
func (s Step) Duration() time.Duration {
	if s.End.IsZero() {
		return 0
	}
	return s.End.Sub(s.Start)
}

// Change is one resource's operation.
type Change struct {
	URN  string
	Type string
	Op   string
	// Component is set for a component resource: it only groups others, so nothing outside the state changes
	// with it (its recorded inputs change when a child's do).
	Component bool
}

// Output is one stack output. Secret ones must be shown as [secret].
type Output struct {
	Value  any
	Secret bool
}

// Changed is the number of resources with any change.
func (r *Result) Changed() int {
	n := 0
	for op, c := range r.Summary {
		if op != string(apitype.OpSame) {
			n += c
		}
	}
	return n
}

// ResourceChanges returns the changes of custom resources: what changes outside the state.
func (r *Result) ResourceChanges() []Change {
	var out []Change
	for _, c := range r.Changes {
		if !c.Component {
			out = append(out, c)
		}
	}
	return out
}

// ChangesOf returns the changes with the given op.
func (r *Result) ChangesOf(op string) []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// Up deploys the stack: recovers an interrupted previous update first, then runs the program and applies the plan.
func Up(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, runsProgram, "up")
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &Result{Operation: "up"}
	if res.Recovered, err = s.recover(ctx); err != nil {
		return res, err
	}
	c := newCollector()
	opts := []optup.Option{
		optup.ProgressStreams(s.opts.Out), optup.ErrorProgressStreams(s.opts.Out),
		optup.EventStreams(c.ch), optup.SuppressOutputs(),
		// The summary the Automation API reads after the up needs no secrets (no key derivation).
		optup.ShowSecrets(false),
	}
	if s.opts.Refresh {
		opts = append(opts, optup.Refresh())
	}
	if s.opts.Diff {
		opts = append(opts, optup.Diff())
	}
	if s.opts.Parallel > 0 {
		opts = append(opts, optup.Parallel(s.opts.Parallel))
	}
	plan, err := s.guardedPlan(ctx)
	if err != nil {
		return res, err
	}
	if plan != "" {
		opts = append(opts, optup.Plan(plan))
	}
	up, err := s.stack.Up(ctx, opts...)
	c.wait()
	if err != nil {
		return res, c.failure("up", err)
	}
	c.fill(res)
	if up.Summary.ResourceChanges != nil {
		res.Summary = *up.Summary.ResourceChanges
	}
	res.Outputs = convertOutputs(up.Outputs)
	return res, nil
}

// guardedPlan returns the plan Up applies ("" for none) once it is known to destroy no data and to lower no disk or
// database size (which the cloud would refuse halfway through): Options.PlanFile as
// given, or, when the state holds a stateful resource, a plan of its own from a preview. A stack without any
// stateful resource cannot lose one, so it skips that preview.
func (s *session) guardedPlan(ctx context.Context) (string, error) {
	plan := s.opts.PlanFile
	var cp []byte
	if plan == "" {
		if s.opts.AllowDataLoss {
			return "", nil
		}
		var err error
		if cp, err = s.readCheckpoint(); err != nil {
			return "", err
		}
		stateful, err := statefulInState(cp)
		if err != nil || !stateful {
			return "", err
		}
		plan = filepath.Join(s.workDir, "guard-plan.json")
		s.note("the state holds stateful resources: previewing the plan before applying it")
		opts := []optpreview.Option{optpreview.Plan(plan), optpreview.SuppressOutputs(),
			optpreview.ProgressStreams(s.opts.Out), optpreview.ErrorProgressStreams(s.opts.Out)}
		if s.opts.Refresh {
			opts = append(opts, optpreview.Refresh())
		}
		if s.opts.Parallel > 0 {
			opts = append(opts, optpreview.Parallel(s.opts.Parallel))
		}
		if _, err := s.stack.Preview(ctx, opts...); err != nil {
			return "", fmt.Errorf("runner: the preview before up failed: %s", conciseError(err))
		}
	}
	if !s.opts.AllowDataLoss {
		saved, err := readPlan(plan)
		if err != nil {
			return "", err
		}
		if loss := dataLoss(saved); len(loss) > 0 {
			return "", refuseDataLoss(s.opts.Stack, loss)
		}
		if cp == nil {
			if cp, err = s.readCheckpoint(); err != nil {
				return "", err
			}
		}
		shrunk, err := shrinks(saved, cp)
		if err != nil {
			return "", err
		}
		if len(shrunk) > 0 {
			return "", refuseShrink(s.opts.Stack, shrunk)
		}
		skipped, err := oneWaySteps(saved, cp)
		if err != nil {
			return "", err
		}
		if len(skipped) > 0 {
			return "", refuseOneWay(s.opts.Stack, skipped)
		}
	}
	return plan, nil
}

// Preview computes what Up would do, changing nothing.
func Preview(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, runsProgram, "preview")
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &Result{Operation: "preview"}
	if err := s.refuseIfLocked(); err != nil {
		return res, err
	}
	c := newCollector()
	opts := []optpreview.Option{
		optpreview.ProgressStreams(s.opts.Out), optpreview.ErrorProgressStreams(s.opts.Out),
		optpreview.EventStreams(c.ch), optpreview.SuppressOutputs(),
	}
	if s.opts.Refresh {
		opts = append(opts, optpreview.Refresh())
	}
	if s.opts.Diff {
		opts = append(opts, optpreview.Diff())
	}
	if s.opts.Parallel > 0 {
		opts = append(opts, optpreview.Parallel(s.opts.Parallel))
	}
	if s.opts.PlanFile != "" {
		opts = append(opts, optpreview.Plan(s.opts.PlanFile))
	}
	pr, err := s.stack.Preview(ctx, opts...)
	c.wait()
	if err != nil {
		return res, c.failure("preview", err)
	}
	c.fill(res)
	res.Summary = opMap(pr.ChangeSummary)
	return res, nil
}

// Refresh reads every resource's live state into the stack state (the program does not run).
func Refresh(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, fromState, "refresh")
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &Result{Operation: "refresh"}
	if res.Recovered, err = s.recover(ctx); err != nil {
		return res, err
	}
	c := newCollector()
	rr, err := s.stack.Refresh(ctx, s.refreshOpts(c)...)
	c.wait()
	if err != nil {
		return res, c.failure("refresh", err)
	}
	c.fill(res)
	if rr.Summary.ResourceChanges != nil {
		res.Summary = *rr.Summary.ResourceChanges
	}
	return res, nil
}

// PreviewRefresh detects drift: it reads every resource's live state and reports where it differs from the stack
// state, changing nothing. A resource changed outside Pulumi shows as an "update".
func PreviewRefresh(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, fromState, "preview-refresh")
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &Result{Operation: "preview-refresh"}
	if err := s.refuseIfLocked(); err != nil {
		return res, err
	}
	c := newCollector()
	pr, err := s.stack.PreviewRefresh(ctx, s.refreshOpts(c)...)
	c.wait()
	if err != nil {
		return res, c.failure("preview refresh", err)
	}
	c.fill(res)
	res.Summary = opMap(pr.ChangeSummary)
	return res, nil
}

func (s *session) refreshOpts(c *collector) []optrefresh.Option {
	opts := []optrefresh.Option{
		optrefresh.ProgressStreams(s.opts.Out), optrefresh.ErrorProgressStreams(s.opts.Out),
		optrefresh.EventStreams(c.ch), optrefresh.SuppressOutputs(),
	}
	if s.opts.Diff {
		opts = append(opts, optrefresh.Diff())
	}
	if s.opts.Parallel > 0 {
		opts = append(opts, optrefresh.Parallel(s.opts.Parallel))
	}
	return opts
}

// Destroy deletes every resource of the stack (the stack itself and its history remain).
func Destroy(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, fromState, "destroy")
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &Result{Operation: "destroy"}
	if res.Recovered, err = s.recover(ctx); err != nil {
		return res, err
	}
	c := newCollector()
	opts := []optdestroy.Option{
		optdestroy.ProgressStreams(s.opts.Out), optdestroy.ErrorProgressStreams(s.opts.Out),
		optdestroy.EventStreams(c.ch), optdestroy.SuppressOutputs(),
	}
	if s.opts.Refresh {
		opts = append(opts, optdestroy.Refresh())
	}
	if s.opts.Diff {
		opts = append(opts, optdestroy.Diff())
	}
	if s.opts.Parallel > 0 {
		opts = append(opts, optdestroy.Parallel(s.opts.Parallel))
	}
	dr, err := s.stack.Destroy(ctx, opts...)
	c.wait()
	if err != nil {
		return res, c.failure("destroy", err)
	}
	c.fill(res)
	if dr.Summary.ResourceChanges != nil {
		res.Summary = *dr.Summary.ResourceChanges
	}
	return res, nil
}

// Outputs returns the stack's outputs from its last update.
func Outputs(ctx context.Context, o Options) (*Result, error) {
	s, err := open(ctx, o, fromState, "outputs")
	if err != nil {
		return nil, err
	}
	defer s.close()
	outs, err := s.stack.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("runner: outputs: %s", conciseError(err))
	}
	return &Result{Operation: "outputs", Outputs: convertOutputs(outs)}, nil
}

// ExportState returns the stack's state (a deployment) as JSON, secrets encrypted as the backend stores them.
func ExportState(ctx context.Context, o Options) (_ []byte, err error) {
	defer func() { err = explain(o, err) }()
	s, err := open(ctx, o, fromState, "export")
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.export(ctx)
}

// export reads the state with `pulumi stack export`. Not the Automation API's Stack.Export: that passes
// --show-secrets and hands back every secret in plaintext.
func (s *session) export(ctx context.Context) ([]byte, error) {
	stdout, stderr, _, err := s.stack.Workspace().PulumiCommand().Run(ctx, s.workDir, nil, nil, nil, s.envList(),
		"stack", "export", "--stack", s.opts.Stack)
	if err != nil {
		return nil, fmt.Errorf("runner: exporting the state of stack %s: %v: %s", s.opts.Stack, err, strings.TrimSpace(stderr))
	}
	var d struct {
		Deployment json.RawMessage `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		return nil, fmt.Errorf("runner: parsing the state of stack %s: %w", s.opts.Stack, err)
	}
	return d.Deployment, nil
}

func convertOutputs(m auto.OutputMap) map[string]Output {
	out := make(map[string]Output, len(m))
	for k, v := range m {
		out[k] = Output{Value: v.Value, Secret: v.Secret}
	}
	return out
}

func opMap(m map[apitype.OpType]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

// collector gathers the engine's events of one operation: which resources change, and error diagnostics.
type collector struct {
	ch   chan events.EngineEvent
	done chan struct{}

	mu      sync.Mutex
	changes map[Change]bool
	errs    []string
	steps   []Step
	open    map[string]int // URN -> index in steps of its running step
}

func newCollector() *collector {
	c := &collector{ch: make(chan events.EngineEvent), done: make(chan struct{}), changes: map[Change]bool{}, open: map[string]int{}}
	go func() {
		defer close(c.done)
		for e := range c.ch {
			c.add(e)
		}
	}()
	return c
}

// noChange are the step ops that leave a resource as it is. A refresh reports its steps as "refresh" before they
// run and as the op they amount to (same, update, delete) after.
var noChange = map[apitype.OpType]bool{
	apitype.OpSame: true, apitype.OpRead: true, apitype.OpRefresh: true, apitype.OpReadDiscard: true,
	apitype.OpDiscardReplaced: true,
}

func (c *collector) add(e events.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	var md *apitype.StepEventMetadata
	switch {
	case e.ResourcePreEvent != nil:
		md = &e.ResourcePreEvent.Metadata
		c.open[md.URN] = len(c.steps)
		c.steps = append(c.steps, Step{URN: md.URN, Type: md.Type, Op: string(md.Op), Start: now})
	case e.ResOutputsEvent != nil:
		md = &e.ResOutputsEvent.Metadata
		c.endStep(md.URN, now, false)
	case e.ResOpFailedEvent != nil:
		c.endStep(e.ResOpFailedEvent.Metadata.URN, now, true)
	case e.DiagnosticEvent != nil && e.DiagnosticEvent.Severity == "error":
		if msg := strings.TrimSpace(e.DiagnosticEvent.Message); msg != "" {
			c.errs = append(c.errs, msg)
		}
	}
	if md == nil || noChange[md.Op] {
		return
	}
	// Stack and provider bookkeeping resources are not part of what the program deploys.
	if strings.HasPrefix(md.Type, "pulumi:pulumi:") || strings.HasPrefix(md.Type, "pulumi:providers:") {
		return
	}
	// Only custom resources have a provider.
	c.changes[Change{URN: md.URN, Type: md.Type, Op: string(md.Op), Component: md.Provider == ""}] = true
}

func (c *collector) endStep(urn string, at time.Time, failed bool) {
	if i, ok := c.open[urn]; ok {
		c.steps[i].End, c.steps[i].Failed = at, failed
		delete(c.open, urn)
	}
}

// wait lets the collector finish. The Automation API closes the event channel when the engine's event stream
// ends; if the engine failed before it opened the stream it never does, hence the bound.
func (c *collector) wait() {
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
	}
}

func (c *collector) fill(r *Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r.Steps = append([]Step(nil), c.steps...)
	for ch := range c.changes {
		r.Changes = append(r.Changes, ch)
	}
	sort.Slice(r.Changes, func(i, j int) bool {
		if r.Changes[i].URN != r.Changes[j].URN {
			return r.Changes[i].URN < r.Changes[j].URN
		}
		return r.Changes[i].Op < r.Changes[j].Op
	})
}

// failure makes an operation's error short: the engine's error diagnostics (already shown in the progress stream)
// instead of the whole captured output the Automation API puts into its error.
func (c *collector) failure(op string, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > 0 {
		return fmt.Errorf("%s failed:\n  %s", op, strings.Join(c.errs, "\n  "))
	}
	return fmt.Errorf("%s failed: %s", op, conciseError(err))
}

// conciseError trims an Automation API error (which embeds the command's whole stdout and stderr) to its first line
// and the end of stderr.
func conciseError(err error) string {
	msg := err.Error()
	head, rest, found := strings.Cut(msg, "\ncode: ")
	if !found {
		return msg
	}
	_, stderr, _ := strings.Cut(rest, "\nstderr: ")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	if tail := strings.TrimSpace(strings.Join(lines, "\n")); tail != "" {
		return head + ": " + tail
	}
	return head
}
