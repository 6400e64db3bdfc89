package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// runLock is the runner's own lock on a stack, held from before the settings are copied until the operation ends:
// two runners on one stack (two people, two CI jobs, a preview beside an up) would otherwise share one settings copy
// in the workspace, so that one run's --config could be deployed by the other, and race on the engine's lock. It is
// a flock(2) on a file in the state dir, so the kernel releases it when the holder dies: a killed runner leaves no
// stale runner lock behind (the engine's own lock file is handled by recover).
type runLock struct {
	f *os.File
}

// holder is what a lock file says about the run holding it.
type holder struct {
	Pid       int       `json:"pid"`
	Host      string    `json:"host"`
	Operation string    `json:"operation"`
	Started   time.Time `json:"started"`
}

func (h holder) String() string {
	return fmt.Sprintf("%s by pid %d on %s, started %s", h.Operation, h.Pid, h.Host, h.Started.Format(time.RFC3339))
}

// lockStack takes the run lock of a stack, or fails at once naming the run that holds it.
func lockStack(stateDir, stack, operation string) (*runLock, error) {
	dir := filepath.Join(stateDir, workSubdir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("runner: state dir: %w", err)
	}
	path := filepath.Join(dir, stack+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("runner: lock of stack %s: %w", stack, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			var h holder
			b, _ := os.ReadFile(path)
			if json.Unmarshal(b, &h) == nil && h.Pid > 0 {
				return nil, fmt.Errorf("runner: stack %s is in use: %s; wait for it to finish", stack, h)
			}
			return nil, fmt.Errorf("runner: stack %s is in use by another runner (lock %s); wait for it to finish", stack, path)
		}
		return nil, fmt.Errorf("runner: lock of stack %s: %w", stack, err)
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(holder{Pid: os.Getpid(), Host: host, Operation: operation, Started: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(b, 0)
	}
	return &runLock{f: f}, nil
}

// release ends the run: the file stays (another runner may already wait on it), the flock goes.
func (l *runLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}

// isKubernetesOrBookkeeping reports whether a pending create of this type can be dropped without losing track of
// anything outside the cluster: Kubernetes objects (the next up applies them again and adopts what exists),
// components and providers (nothing exists outside the state).
func isKubernetesOrBookkeeping(urn string) bool {
	typ := urnType(urn)
	return strings.HasPrefix(typ, "kubernetes:") || strings.HasPrefix(typ, "pulumi:providers:") ||
		strings.HasPrefix(typ, "digit:") || strings.HasPrefix(typ, "pulumi:pulumi:")
}

// urnType is the type of a URN (urn:pulumi:stack::project::[parent$]type::name).
func urnType(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	t := parts[2]
	if i := strings.LastIndex(t, "$"); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// urnName is the name part of a URN.
func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}
