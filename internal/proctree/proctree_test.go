package proctree

import (
	"os"
	"os/exec"
	"testing"
)

func TestTreeFindsAChildWithItsNameAndMemory(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	tree := Tree(os.Getpid(), List())
	if tree[0].PID != os.Getpid() || tree[0].RSS == 0 {
		t.Errorf("expected this process first, with its memory; got %+v", tree[0])
	}
	found := false
	for _, p := range tree[1:] {
		if p.PID == cmd.Process.Pid {
			found = p.Name == "sleep" && p.PPID == os.Getpid()
		}
	}
	if !found {
		t.Errorf("expected the sleep child (pid %d, named sleep) in the tree: %+v", cmd.Process.Pid, tree)
	}
	if !Running(cmd.Process.Pid) {
		t.Error("expected the child to be running")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if Running(cmd.Process.Pid) {
		t.Error("expected the reaped child not to be running")
	}
}
