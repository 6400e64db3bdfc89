// Package proctree reads the process table from /proc: who is whose child, what each runs, how much memory it holds.
// The runner interrupts the engine it started, the e2e tests kill a whole runner tree, the benchmark sums a build's
// memory.
package proctree

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Proc is one process.
type Proc struct {
	PID, PPID int
	// Name is the command name (/proc/<pid>/comm, at most 15 characters).
	Name string
	// State is the one-letter state (R, S, Z for a zombie, ...).
	State byte
	// RSS is the resident memory in bytes (0 for a zombie or a kernel thread).
	RSS int64
}

// List returns every process that can be read now (processes that exit meanwhile are left out).
func List() []Proc {
	dirs, _ := os.ReadDir("/proc")
	var out []Proc
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if p, ok := read(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

func read(pid int) (Proc, bool) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return Proc{}, false
	}
	// The command name (field 2) is in parentheses and may hold spaces: the state and ppid follow the last ')'.
	s := string(stat)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return Proc{}, false
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 2 {
		return Proc{}, false
	}
	p := Proc{PID: pid, Name: s[open+1 : end], State: fields[0][0]}
	p.PPID, _ = strconv.Atoi(fields[1])
	if status, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				p.RSS = kb << 10
			}
		}
	}
	return p, true
}

// Tree returns root and all its descendants in procs, root first.
func Tree(root int, procs []Proc) []Proc {
	children := map[int][]Proc{}
	var self *Proc
	for i, p := range procs {
		children[p.PPID] = append(children[p.PPID], p)
		if p.PID == root {
			self = &procs[i]
		}
	}
	var out []Proc
	if self != nil {
		out = append(out, *self)
	} else {
		out = append(out, Proc{PID: root})
	}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i].PID]...)
	}
	return out
}

// Running reports whether pid is alive and not a zombie (nothing may reap orphans in a container).
func Running(pid int) bool {
	p, ok := read(pid)
	return ok && p.State != 'Z' && p.State != 'X'
}
