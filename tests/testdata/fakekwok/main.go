// fakekwok stands in for kwok in TestControlPlaneStartsKwokAgainAfterACrash: its first FAKE_KWOK_CRASHES starts die
// as kwok v0.7.0 can ("concurrent map writes"); later starts run the real kwok (REAL_KWOK) as a child, which dies
// with it. Starts are counted in the file FAKE_KWOK_COUNT; `--version` is passed through and not counted.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	real := os.Getenv("REAL_KWOK")
	for _, a := range os.Args[1:] {
		if a == "--version" || a == "version" {
			out, _ := exec.Command(real, os.Args[1:]...).CombinedOutput()
			os.Stdout.Write(out)
			return
		}
	}
	count := os.Getenv("FAKE_KWOK_COUNT")
	b, _ := os.ReadFile(count)
	n, _ := strconv.Atoi(string(b))
	n++
	if err := os.WriteFile(count, []byte(strconv.Itoa(n)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	crashes, _ := strconv.Atoi(os.Getenv("FAKE_KWOK_CRASHES"))
	if n <= crashes {
		fmt.Fprintln(os.Stderr, "fatal error: concurrent map writes")
		os.Exit(2)
	}
	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { _ = cmd.Process.Signal(<-sig) }()
	if err := cmd.Wait(); err != nil {
		os.Exit(1)
	}
}
