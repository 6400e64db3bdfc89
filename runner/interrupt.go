package runner

import (
	"os"
	"syscall"

	"github.com/digit-iac/digit/internal/proctree"
)

// Interrupt asks every pulumi process this process started to stop gracefully (SIGINT: the engine finishes the
// operations in flight, records them and releases its lock) and returns how many it signalled. The Automation API
// starts each in a process group of its own, so a terminal's Ctrl-C never reaches them directly; and cancelling
// the context an operation runs under means SIGINT and, 10 s later, SIGKILL, which cuts off an EKS or RDS create.
// So a caller sends the first interrupt here and cancels the context only on a second.
func Interrupt() int {
	me := os.Getpid()
	n := 0
	for _, p := range proctree.List() {
		// The CLI the Automation API runs is a direct child; its plugins it stops itself.
		if p.PPID == me && p.Name == "pulumi" && syscall.Kill(p.PID, syscall.SIGINT) == nil {
			n++
		}
	}
	return n
}
