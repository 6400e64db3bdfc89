package runner

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
)

// An update that is killed (machine lost, CI job cancelled, SIGKILL) leaves two things behind in a file backend: the
// lock file of the stack, which makes every later update fail with "the stack is currently locked", and pending
// operations in the state (resources the engine had started to create, update or delete). A pending create is the
// dangerous one: the object may exist in the cluster while the state does not know it. The engine keeps pending
// creates until someone resolves them and only warns about them on every update.
//
// recover clears both so that the next update converges without a human: it removes a lock whose process is gone,
// and runs a refresh that drops the pending creates and reads every known resource's live state. Dropping a pending
// create is safe for the Kubernetes provider, which creates with server-side apply: the next update applies the same
// object again and adopts it if the interrupted create had reached the API server.

// lockInfo is the content of a file backend lock (pkg/backend/diy/lock.go).
type lockInfo struct {
	Pid       int       `json:"pid"`
	Username  string    `json:"username"`
	Hostname  string    `json:"hostname"`
	Timestamp time.Time `json:"timestamp"`

	path string
	raw  []byte // the file as read
}

// locks lists the lock files of the session's stack.
func (s *session) locks() ([]lockInfo, error) {
	if s.fileBackend() == "" {
		return nil, nil
	}
	root := filepath.Join(s.fileBackend(), ".pulumi", "locks")
	// Project-scoped stacks lock under <org>/<project>/<stack>; the legacy layout under <stack>.
	patterns := []string{
		filepath.Join(root, "*", ProjectName, s.opts.Stack, "*.json"),
		filepath.Join(root, s.opts.Stack, "*.json"),
	}
	var out []lockInfo
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				if os.IsNotExist(err) { // released while we looked
					continue
				}
				return nil, err
			}
			l := lockInfo{path: f, raw: b}
			if err := json.Unmarshal(b, &l); err != nil {
				return nil, fmt.Errorf("lock file %s is not readable: %w", f, err)
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// alive reports whether the process that took the lock still runs. A lock from another host cannot be judged.
func (l lockInfo) alive() (alive, known bool) {
	host, err := os.Hostname()
	if err != nil || host != l.Hostname {
		return false, false
	}
	if l.Pid <= 0 || syscall.Kill(l.Pid, 0) == syscall.ESRCH {
		return false, true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", l.Pid))
	if err != nil {
		return true, true // no /proc to check: assume the worst
	}
	// A killed process whose parent died too stays a zombie where nothing reaps orphans (a container without an
	// init): it still has a pid but will never release the lock.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false, true
	}
	// The pid may have been reused by an unrelated process since: only a pulumi process counts as the holder.
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", l.Pid))
	if err != nil {
		return false, true // gone since
	}
	return strings.HasPrefix(strings.TrimSpace(string(comm)), "pulumi"), true
}

// removeIfUnchanged deletes the lock file if it still holds what was read from it.
func (l lockInfo) removeIfUnchanged() error {
	b, err := os.ReadFile(l.path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !bytes.Equal(b, l.raw) {
		return fmt.Errorf("it changed since it was inspected (another update took it); not removed")
	}
	return os.Remove(l.path)
}

func (l lockInfo) describe() string {
	return fmt.Sprintf("pid %d on %s, taken %s", l.Pid, l.Hostname, l.Timestamp.Format(time.RFC3339))
}

// refuseIfLocked fails when another update of the stack is running right now; a stale lock is left for the next
// update to clear (previews do not take the lock and are not blocked by one).
func (s *session) refuseIfLocked() error {
	locks, err := s.locks()
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	for _, l := range locks {
		if alive, known := l.alive(); alive && known {
			return fmt.Errorf("runner: stack %s is being updated right now (%s); wait for it to finish", s.opts.Stack, l.describe())
		}
	}
	return nil
}

// pendingOp is one entry of a deployment's pending_operations.
type pendingOp struct {
	Type     string `json:"type"`
	Resource struct {
		URN string `json:"urn"`
	} `json:"resource"`
}

// recover clears what an interrupted update left behind (see the comment at the top of this file) and returns what
// it did, each step also written to the progress stream.
func (s *session) recover(ctx context.Context) ([]string, error) {
	var did []string
	report := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		did = append(did, msg)
		s.note("%s", msg)
	}

	locks, err := s.locks()
	if err != nil {
		return did, fmt.Errorf("runner: %w", err)
	}
	stale := 0
	for _, l := range locks {
		alive, known := l.alive()
		switch {
		case !known:
			return did, fmt.Errorf("runner: stack %s is locked by another host (%s, lock file %s); if that update is "+
				"gone, remove the lock with `pulumi cancel -s %s` (PULUMI_BACKEND_URL=%s)",
				s.opts.Stack, l.describe(), l.path, s.opts.Stack, BackendURL(s.opts.StateDir))
		case alive:
			return did, fmt.Errorf("runner: stack %s is being updated right now (%s); wait for it to finish",
				s.opts.Stack, l.describe())
		default:
			report("the previous update of stack %s was interrupted (its process is gone: %s)", s.opts.Stack, l.describe())
			stale++
		}
	}
	for _, l := range locks {
		// Only the lock inspected above, and only if it is still the same file: `pulumi cancel` would delete every
		// lock of the stack, a live one taken since included. (The run lock keeps other runners of this state dir
		// out meanwhile.)
		if err := l.removeIfUnchanged(); err != nil {
			return did, fmt.Errorf("runner: removing the stale lock %s: %w", l.path, err)
		}
		report("removed the stale lock")
	}

	ops, err := s.pendingOperations(ctx)
	if err != nil {
		return did, err
	}
	if len(ops) == 0 && stale == 0 {
		return did, nil
	}
	creates := 0
	var unsafe []pendingOp
	for _, op := range ops {
		report("the interrupted update left a pending %s: %s", opNoun(op.Type), op.Resource.URN)
		if op.Type == "creating" {
			creates++
			if !isKubernetesOrBookkeeping(op.Resource.URN) {
				unsafe = append(unsafe, op)
			}
		}
	}
	if len(unsafe) > 0 {
		return did, s.pendingCloudCreates(unsafe)
	}
	report("refreshing the state from the live resources (clearing %d pending create(s)) before continuing", creates)
	if _, err := s.stack.Refresh(ctx,
		optrefresh.ClearPendingCreates(),
		optrefresh.ProgressStreams(s.opts.Out), optrefresh.ErrorProgressStreams(s.opts.Out),
		optrefresh.SuppressOutputs()); err != nil {
		return did, fmt.Errorf("runner: refresh after an interrupted update failed: %s", conciseError(err))
	}
	left, err := s.pendingOperations(ctx)
	if err != nil {
		return did, err
	}
	if len(left) > 0 {
		return did, fmt.Errorf("runner: %d pending operation(s) remain after the refresh (first: %s %s)",
			len(left), left[0].Type, left[0].Resource.URN)
	}
	report("state recovered; continuing")
	return did, nil
}

// pendingOperations reads the stack's pending operations from the file backend's checkpoint directly: `pulumi stack
// export` would cost a CLI start and a key derivation on every operation, to find none almost always.
// pendingCloudCreates is the error for pending creates of cloud resources: the resource may exist (and cost money,
// and hold a fixed name such as the EKS cluster's) while the state does not know it, so dropping the record is not
// the runner's call. It says, per resource, the command for either case.
func (s *session) pendingCloudCreates(ops []pendingOp) error {
	env := fmt.Sprintf("PULUMI_BACKEND_URL=%s PULUMI_HOME=%s", s.env["PULUMI_BACKEND_URL"], s.env["PULUMI_HOME"])
	var b strings.Builder
	fmt.Fprintf(&b, "runner: the interrupted update of stack %s was creating %d cloud resource(s); the runner does not "+
		"drop their record, as they may exist. Nothing was changed. For each, look it up in the cloud, then run in %s:\n",
		s.opts.Stack, len(ops), s.workDir)
	for _, op := range ops {
		urn := op.Resource.URN
		fmt.Fprintf(&b, "  %s (%s):\n", urnName(urn), urnType(urn))
		fmt.Fprintf(&b, "    if it exists:   %s pulumi refresh -s %s --yes --import-pending-creates '%s' <its cloud ID>\n", env, s.opts.Stack, urn)
		fmt.Fprintf(&b, "    if it does not: %s pulumi refresh -s %s --yes --clear-pending-creates\n", env, s.opts.Stack)
	}
	b.WriteString("then run the operation again.")
	return errors.New(b.String())
}

func (s *session) pendingOperations(ctx context.Context) ([]pendingOp, error) {
	b, err := s.readCheckpoint()
	if err != nil {
		return nil, err
	}
	d, err := parseCheckpoint(b)
	if err != nil || d == nil {
		return nil, err
	}
	return d.PendingOperations, nil
}

// readCheckpoint returns the stack's checkpoint file of the file backend (plain or gzipped, project-scoped or legacy
// layout), nil when the stack has none yet.
func (s *session) readCheckpoint() ([]byte, error) {
	if s.fileBackend() == "" {
		// Another backend: ask the CLI.
		d, err := s.export(context.Background())
		if err != nil || len(d) == 0 || string(d) == "null" {
			return nil, err
		}
		return json.Marshal(map[string]json.RawMessage{"checkpoint": json.RawMessage(`{"latest":` + string(d) + `}`)})
	}
	root := filepath.Join(s.fileBackend(), ".pulumi", "stacks")
	for _, base := range []string{filepath.Join(root, ProjectName, s.opts.Stack), filepath.Join(root, s.opts.Stack)} {
		if b, err := os.ReadFile(base + ".json"); err == nil {
			return b, nil
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("runner: reading the stack state: %w", err)
		}
		f, err := os.Open(base + ".json.gz")
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("runner: reading the stack state: %w", err)
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("runner: reading the stack state %s: %w", f.Name(), err)
		}
		return io.ReadAll(z)
	}
	return nil, nil
}

// opNoun names a pending operation's type ("creating") as the operation ("create").
func opNoun(t string) string {
	switch t {
	case "creating":
		return "create"
	case "updating":
		return "update"
	case "deleting":
		return "delete"
	case "reading":
		return "read"
	}
	return t
}
