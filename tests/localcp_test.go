package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// kwok v0.7.0 can die as it starts (easycel's unlocked map, "concurrent map writes"): hack/localcp.sh starts it
// again, up to three starts in all, says so and keeps each start's log; after the third it gives up, naming kwok, and
// stops what it started.
func TestControlPlaneStartsKwokAgainAfterACrash(t *testing.T) {
	requireTools(t)
	// Beside the long tests: its control planes are its own (ports, state dirs, tools dir).
	t.Parallel()
	dir := t.TempDir()
	fake := filepath.Join(dir, "kwok")
	build := exec.Command("go", "build", "-o", fake, "./testdata/fakekwok")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the fake kwok: %v\n%s", err, out)
	}
	real, err := exec.LookPath("kwok")
	if err != nil {
		t.Fatal(err)
	}
	if real, err = filepath.EvalSymlinks(real); err != nil {
		t.Fatal(err)
	}
	// A tools dir of its own (hack/tools.sh links the chosen kwok into DIR/bin), holding the cached tools.
	tools := filepath.Join(dir, "tools")
	entries, err := os.ReadDir(os.Getenv("DIGIT_TOOLS_DIR"))
	if err != nil {
		t.Fatalf("DIGIT_TOOLS_DIR: %v", err)
	}
	if err := os.Mkdir(tools, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "bin" {
			if err := os.Symlink(filepath.Join(os.Getenv("DIGIT_TOOLS_DIR"), e.Name()), filepath.Join(tools, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, c := range []struct {
		crashes int
		ok      bool
		want    []string
	}{
		{1, true, []string{"kwok (start 1) exited while waiting for kwok /healthz", "concurrent map writes",
			"kwok /healthz: ok", "3 nodes Ready: ok", "control plane ready"}},
		{3, false, []string{"kwok (start 3) exited", "ERROR: kwok exited 3 times", "stopping what was started"}},
	} {
		state := filepath.Join(dir, "cp"+strconv.Itoa(c.crashes))
		count := filepath.Join(dir, "starts"+strconv.Itoa(c.crashes))
		cmd := localcp("start", state)
		cmd.Env = append(os.Environ(), "DIGIT_TOOLS_DIR="+tools, "DIGIT_KWOK_BIN="+fake, "DIGIT_TOOLS_BUILD=never",
			"REAL_KWOK="+real, "FAKE_KWOK_COUNT="+count, "FAKE_KWOK_CRASHES="+strconv.Itoa(c.crashes))
		out, err := cmd.CombinedOutput()
		stopOut, stopErr := localcp("stop", state).CombinedOutput()
		if stopErr != nil {
			t.Errorf("stopping the control plane in %s: %v\n%s", state, stopErr, stopOut)
		}
		if (err == nil) != c.ok {
			t.Errorf("kwok crashing %d times: start succeeded=%v, expected %v\n%s", c.crashes, err == nil, c.ok, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("kwok crashing %d times: expected the start to say %q; it said:\n%s", c.crashes, w, out)
			}
		}
		if c.ok {
			checkPortsOutsideEphemeralRange(t, string(out))
		}
		b, _ := os.ReadFile(count)
		if want := strconv.Itoa(min(c.crashes+1, 3)); string(b) != want {
			t.Errorf("kwok crashing %d times: started %s times, expected %s", c.crashes, b, want)
		}
		for i := 1; i <= c.crashes; i++ {
			if _, err := os.Stat(filepath.Join(state, "logs", "kwok."+strconv.Itoa(i)+".log")); err != nil {
				t.Errorf("kwok crashing %d times: the log of start %d is not kept: %v", c.crashes, i, err)
			}
		}
	}
}

// checkPortsOutsideEphemeralRange: every port hack/localcp.sh's start hands out (its "ports:" line) lies outside
// the kernel's ephemeral range, where an outgoing connection could take it before the daemon binds; and none is
// handed out twice.
func checkPortsOutsideEphemeralRange(t *testing.T, out string) {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Fatal(err)
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		t.Fatalf("ip_local_port_range %q: %v", b, err)
	}
	line := regexp.MustCompile(`(?m)\] ports: (.*)$`).FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("the start names no ports (no \"ports:\" line):\n%s", out)
	}
	ports := regexp.MustCompile(`([a-z-]+)=(\d+)`).FindAllStringSubmatch(line[1], -1)
	if len(ports) != 7 {
		t.Errorf("expected 7 ports (etcd, its peer port, apiserver, controller-manager, scheduler, kwok, postgres), got %q", line[1])
	}
	seen := map[string]string{}
	for _, m := range ports {
		p, _ := strconv.Atoi(m[2])
		if p >= lo && p <= hi {
			t.Errorf("%s listens on %d, inside the ephemeral range %d-%d", m[1], p, lo, hi)
		}
		if other, dup := seen[m[2]]; dup {
			t.Errorf("%s and %s were both given port %s", other, m[1], m[2])
		}
		seen[m[2]] = m[1]
	}
}
