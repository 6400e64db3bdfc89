package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Interrupt asks every pulumi process this process started to stop gracefully (SIGINT: the engine finishes the
// operations in flight, records them and releases its lock) and returns how many it signalled. The Automation API
// starts each in a process group of its own, so a terminal's Ctrl-C never reaches them directly; and cancelling
// the context an operation runs under means SIGINT and, 10 s later, SIGKILL, which cuts off an EKS or RDS create.
// So a caller sends the first interrupt here and cancels the context only on a second.
func Interrupt() int {
	me := os.Getpid()
	parents := map[int]int{}
	names := map[int]string{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || len(s) < end+4 {
			continue
		}
		names[pid] = s[open+1 : end]
		fields := strings.Fields(s[end+2:])
		if len(fields) > 1 {
			parents[pid], _ = strconv.Atoi(fields[1])
		}
	}
	n := 0
	for pid, ppid := range parents {
		// The CLI the Automation API runs is a direct child; its plugins it stops itself.
		if ppid == me && names[pid] == "pulumi" {
			if syscall.Kill(pid, syscall.SIGINT) == nil {
				n++
			}
		}
	}
	return n
}
