package toolstest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	pulumiVersion = "v3.274.1"
	kubeVersion   = "v1.33.13"
)

// systemTools are what tools.sh needs from the machine when it builds nothing. They are linked into a private
// directory so that the PATH of a test holds exactly them and the test's fake tools: a kubectl or pulumi the
// machine may have must not leak in.
var systemTools = []string{"bash", "sh", "env", "cat", "mkdir", "mktemp", "rm", "chmod", "mv", "ln", "readlink",
	"dirname", "basename", "head", "tail", "sort", "sed", "grep", "cut", "date", "du", "find", "curl", "tar", "gzip",
	"sha256sum", "timeout", "uname", "ls", "tr"}

type env struct {
	t       *testing.T
	dir     string // DIGIT_TOOLS_DIR
	fakes   string // first on PATH: the fake tools of the test
	sys     string // the system tools
	home    string
	vars    map[string]string
	scriptP string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "tools"), fakes: filepath.Join(root, "fakebin"),
		sys: filepath.Join(root, "sysbin"), home: filepath.Join(root, "home"), vars: map[string]string{}}
	for _, d := range []string{e.fakes, e.sys, e.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range systemTools {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("tools.sh needs %s on PATH: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(e.sys, name)); err != nil {
			t.Fatal(err)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	e.scriptP = script
	return e
}

// fake writes an executable shell script that prints what a tool prints for its version.
func fake(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func fakePulumi(t *testing.T, path, version string) string {
	return fake(t, path, `case "$1" in version) echo `+version+`;; *) echo "fake pulumi: $*" >&2; exit 3;; esac`)
}

type result struct {
	stdout string
	stderr string
	code   int
}

// run runs tools.sh with a clean environment: nothing of the caller's DIGIT_*, PULUMI_* or PATH gets in.
func (e *env) run(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(e.sys, "bash"), append([]string{e.scriptP}, args...)...)
	cmd.Env = []string{
		"PATH=" + e.fakes + ":" + e.sys,
		"HOME=" + e.home,
		"DIGIT_TOOLS_DIR=" + e.dir,
		"DIGIT_TOOLS_BUILD=never",
		"PULUMI_HOME=" + filepath.Join(e.home, ".pulumi"),
		// Never ask the real plugin server, whatever the machine can reach.
		"DIGIT_TOOLS_PLUGIN_PROBE_URL=http://127.0.0.1:1/",
	}
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			e.t.Fatalf("running tools.sh: %v", err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

func (e *env) mustRun(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("tools.sh %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r
}

func (e *env) mustFail(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code == 0 {
		e.t.Fatalf("tools.sh %v succeeded; want a failure\n%s", args, r.stderr)
	}
	return r
}

// linked reports where $DIR/bin/TOOL points ("" if it does not exist).
func (e *env) linked(tool string) string {
	e.t.Helper()
	target, err := os.Readlink(filepath.Join(e.dir, "bin", tool))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return target
}

// viaEnvSh runs a command with env.sh sourced, as the Makefile and the e2e tests do.
func (e *env) viaEnvSh(command string) string {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(e.sys, "bash"), "-c", `source "$1" && `+command, "bash",
		filepath.Join(e.dir, "env.sh"))
	cmd.Env = []string{"PATH=" + e.sys, "HOME=" + e.home}
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("%s with env.sh: %v\n%s", command, err, out)
	}
	return strings.TrimSpace(string(out))
}

func wantIn(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("output lacks %q:\n%s", sub, s)
		}
	}
}

func TestPathBinaryIsUsedOnlyIfItsVersionFits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version string
		fits    bool
	}{
		{"v3.274.1", true},
		{"v3.280.2", true}, // a newer v3 CLI serves the same SDK
		{"v3.100.0", false},
		{"v4.0.0", false},
		{"no version here", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			bin := fakePulumi(t, filepath.Join(e.fakes, "pulumi"), tc.version)
			if !tc.fits {
				r := e.mustFail("pulumi")
				want := bin + " reports " + tc.version
				if tc.version == "no version here" {
					want = bin + " reports no version"
				}
				wantIn(t, r.stderr, want, "need >= "+pulumiVersion+" within v3", "DIGIT_TOOLS_BUILD=never")
				if got := e.linked("pulumi"); got != "" {
					t.Errorf("a pulumi of the wrong version is linked: %s", got)
				}
				return
			}
			r := e.mustRun("pulumi")
			wantIn(t, r.stderr, "pulumi "+pulumiVersion+": path "+bin)
			if got := e.linked("pulumi"); got != bin {
				t.Errorf("$DIR/bin/pulumi -> %q, want %q", got, bin)
			}
			if got := e.viaEnvSh("pulumi version"); got != tc.version {
				t.Errorf("pulumi version with env.sh: %q, want %q", got, tc.version)
			}
			if got := e.viaEnvSh("command -v pulumi"); got != filepath.Join(e.dir, "bin", "pulumi") {
				t.Errorf("env.sh puts %s first on PATH, want $DIR/bin/pulumi", got)
			}
			if _, err := os.Stat(filepath.Join(e.dir, "build-times.log")); err == nil {
				t.Errorf("build-times.log written though nothing was built or downloaded")
			}
		})
	}
}

func TestLanguageHostComesWithAPreinstalledCLI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bin := fakePulumi(t, filepath.Join(e.fakes, "pulumi"), pulumiVersion)
	host := fake(t, filepath.Join(e.fakes, "pulumi-language-go"), "exit 0")
	r := e.mustRun("pulumi", "pulumi-language-go")
	wantIn(t, r.stderr, "path (beside "+bin+") "+host)
	if got := e.linked("pulumi-language-go"); got != host {
		t.Errorf("$DIR/bin/pulumi-language-go -> %q, want %q", got, host)
	}

	// Without a CLI beside it, a stray host is not trusted (it reports no version): the source-built one is needed.
	e2 := newEnv(t)
	fake(t, filepath.Join(e2.fakes, "pulumi-language-go"), "exit 0")
	r = e2.mustFail("pulumi-language-go")
	wantIn(t, r.stderr, "pulumi-language-go v3.62.0:", "no pulumi-language-go beside a preinstalled pulumi",
		"pulumi-language-go-v3.62.0/bin/pulumi-language-go")
}

func TestKubectl(t *testing.T) {
	t.Parallel()
	t.Run("same minor on PATH", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		bin := fake(t, filepath.Join(e.fakes, "kubectl"), `echo "Client Version: v1.33.1"; echo "Kustomize Version: v5.6.0"`)
		r := e.mustRun("kubectl")
		wantIn(t, r.stderr, "kubectl "+kubeVersion+": path "+bin)
	})
	t.Run("other minor on PATH", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		bin := fake(t, filepath.Join(e.fakes, "kubectl"), `echo "Client Version: v1.31.0"`)
		r := e.mustFail("kubectl")
		wantIn(t, r.stderr, bin+" reports v1.31.0, need v1.33.x")
	})
	t.Run("versioned binary beside a dispatcher", func(t *testing.T) {
		t.Parallel()
		// google-cloud-sdk: /usr/bin/kubectl -> .../bin/kubectl, a dispatcher, with kubectl.1.33 beside it.
		e := newEnv(t)
		sdk := filepath.Join(t.TempDir(), "google-cloud-sdk", "bin")
		fake(t, filepath.Join(sdk, "kubectl"), `echo "Client Version: v1.32.4-dispatcher"`)
		real := fake(t, filepath.Join(sdk, "kubectl.1.33"), `echo "Client Version: v1.33.1"`)
		if err := os.Symlink(filepath.Join(sdk, "kubectl"), filepath.Join(e.fakes, "kubectl")); err != nil {
			t.Fatal(err)
		}
		r := e.mustRun("kubectl")
		wantIn(t, r.stderr, "kubectl: passed over "+filepath.Join(e.fakes, "kubectl")+" (v1.32.4-dispatcher, need v1.33.x)", "kubectl "+kubeVersion+": path "+real)
		if got := e.linked("kubectl"); got != real {
			t.Errorf("$DIR/bin/kubectl -> %q, want %q", got, real)
		}
	})
}

func TestEnvVariableNamesTheBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fake(t, filepath.Join(e.fakes, "kubectl"), `echo "Client Version: v1.33.1"`)
	named := fake(t, filepath.Join(t.TempDir(), "my-kubectl"), `echo "Client Version: v1.33.7"`)
	e.vars["DIGIT_KUBECTL_BIN"] = named
	r := e.mustRun("kubectl")
	wantIn(t, r.stderr, "kubectl "+kubeVersion+": DIGIT_KUBECTL_BIN "+named)
	if got := e.linked("kubectl"); got != named {
		t.Errorf("$DIR/bin/kubectl -> %q, want the named %q (it wins over PATH)", got, named)
	}

	// A named binary that does not fit is an error, not a silent fall-back to an hour of building.
	bad := fake(t, filepath.Join(t.TempDir(), "old-kubectl"), `echo "Client Version: v1.29.0"`)
	e.vars["DIGIT_KUBECTL_BIN"] = bad
	e.vars["DIGIT_TOOLS_BUILD"] = "auto"
	r = e.mustFail("kubectl")
	wantIn(t, r.stderr, "DIGIT_KUBECTL_BIN="+bad+" does not fit", "reports v1.29.0, need v1.33.x")

	e.vars["DIGIT_KUBECTL_BIN"] = filepath.Join(e.home, "missing")
	r = e.mustFail("kubectl")
	wantIn(t, r.stderr, "DIGIT_KUBECTL_BIN="+filepath.Join(e.home, "missing")+" is not an executable file")
}

func TestCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cached := fake(t, filepath.Join(e.dir, "kubernetes-"+kubeVersion, "bin", "kube-apiserver"), `echo "Kubernetes v1.33.13"`)
	r := e.mustRun("kube-apiserver")
	wantIn(t, r.stderr, "kube-apiserver "+kubeVersion+": cache "+cached)
	if got := e.linked("kube-apiserver"); got != cached {
		t.Errorf("$DIR/bin/kube-apiserver -> %q, want %q", got, cached)
	}

	// A fitting binary on PATH comes before the cache.
	onPath := fake(t, filepath.Join(e.fakes, "kube-apiserver"), `echo "Kubernetes v1.33.2"`)
	r = e.mustRun("kube-apiserver")
	wantIn(t, r.stderr, "kube-apiserver "+kubeVersion+": path "+onPath)
	if got := e.linked("kube-apiserver"); got != onPath {
		t.Errorf("$DIR/bin/kube-apiserver -> %q, want %q", got, onPath)
	}
}

func TestOwnDirectoryOnPathIsNotThePathStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cached := fake(t, filepath.Join(e.dir, "kwok-v0.7.0", "bin", "kwok"), `echo "kwok version v0.7.0"`)
	e.mustRun("kwok")
	cmd := exec.Command(filepath.Join(e.sys, "bash"), e.scriptP, "kwok")
	cmd.Env = []string{"PATH=" + filepath.Join(e.dir, "bin") + ":" + e.sys, "HOME=" + e.home,
		"DIGIT_TOOLS_DIR=" + e.dir, "DIGIT_TOOLS_BUILD=never"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tools.sh kwok with $DIR/bin on PATH: %v\n%s", err, out)
	}
	wantIn(t, string(out), "kwok v0.7.0: cache "+cached)
}

// tarGz builds a release archive holding the given files (mode 0755).
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// serve serves one file and counts the requests for it.
func serve(t *testing.T, name string, body []byte) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+name {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + name, hits
}

func pulumiArchive(t *testing.T) []byte {
	return tarGz(t, map[string]string{
		"pulumi/pulumi":                 "#!/bin/sh\necho " + pulumiVersion + "\n",
		"pulumi/pulumi-language-go":     "#!/bin/sh\necho host\n",
		"pulumi/pulumi-language-nodejs": "#!/bin/sh\n",
	})
}

func TestDownloadWithGoodChecksum(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	archive := pulumiArchive(t)
	url, hits := serve(t, "pulumi-"+pulumiVersion+"-linux-x64.tar.gz", archive)
	e.vars["DIGIT_PULUMI_URL"] = url
	e.vars["DIGIT_PULUMI_SHA256"] = sum(archive)

	r := e.mustRun("pulumi", "pulumi-language-go")
	bin := filepath.Join(e.dir, "pulumi-"+pulumiVersion, "bin", "pulumi")
	host := filepath.Join(e.dir, "pulumi-"+pulumiVersion, "bin", "pulumi-language-go")
	wantIn(t, r.stderr, "pulumi "+pulumiVersion+": download "+bin,
		// The archive's own language host serves its CLI; no v3.62.0 build.
		"pulumi-language-go v3.62.0: cache "+host)
	if got := e.viaEnvSh("pulumi version"); got != pulumiVersion {
		t.Errorf("downloaded pulumi prints %q, want %q", got, pulumiVersion)
	}
	if got := e.viaEnvSh("pulumi-language-go"); got != "host" {
		t.Errorf("pulumi-language-go from the archive prints %q", got)
	}
	times, err := os.ReadFile(filepath.Join(e.dir, "build-times.log"))
	if err != nil || !strings.Contains(string(times), "pulumi "+pulumiVersion+" (download)") {
		t.Errorf("build-times.log does not record the download: %q %v", times, err)
	}

	// Cached by version from now on: no second download.
	r = e.mustRun("pulumi")
	wantIn(t, r.stderr, "pulumi "+pulumiVersion+": cache "+bin)
	if n := hits.Load(); n != 1 {
		t.Errorf("archive fetched %d times, want 1", n)
	}
}

func TestDownloadOfARawBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := []byte("#!/bin/sh\necho 'kwok version v0.7.0'\n")
	url, _ := serve(t, "kwok-linux-amd64", body)
	e.vars["DIGIT_KWOK_URL"] = url
	e.vars["DIGIT_KWOK_SHA256"] = sum(body)
	r := e.mustRun("kwok")
	bin := filepath.Join(e.dir, "kwok-v0.7.0", "bin", "kwok")
	wantIn(t, r.stderr, "kwok v0.7.0: download "+bin)
	if got := e.viaEnvSh("kwok --version"); got != "kwok version v0.7.0" {
		t.Errorf("downloaded kwok prints %q", got)
	}
}

func TestDownloadWithBadChecksumIsDiscarded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	archive := pulumiArchive(t)
	url, hits := serve(t, "pulumi.tar.gz", archive)
	bad := strings.Repeat("0", 64)
	e.vars["DIGIT_PULUMI_URL"] = url
	e.vars["DIGIT_PULUMI_SHA256"] = bad

	r := e.mustFail("pulumi")
	wantIn(t, r.stderr, "checksum mismatch for "+url+": expected "+bad+", got "+sum(archive),
		// It went on to the next step: a build, which this test forbids.
		"pulumi "+pulumiVersion+":", "DIGIT_TOOLS_BUILD=never")
	if hits.Load() != 1 {
		t.Errorf("archive fetched %d times, want 1", hits.Load())
	}
	if _, err := os.Stat(filepath.Join(e.dir, "pulumi-"+pulumiVersion)); !os.IsNotExist(err) {
		t.Errorf("something was installed from an archive with a bad checksum (stat: %v)", err)
	}
	if got := e.linked("pulumi"); got != "" {
		t.Errorf("$DIR/bin/pulumi -> %q after a bad download", got)
	}

	// Not a checksum at all: named, and the run stops.
	e.vars["DIGIT_PULUMI_SHA256"] = "abc"
	r = e.mustFail("pulumi")
	wantIn(t, r.stderr, "sha256 for pulumi is not 64 hex digits: 'abc'")
}

func TestDownloadArchiveWithoutTheBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	archive := tarGz(t, map[string]string{"pulumi/README": "nothing"})
	url, _ := serve(t, "pulumi.tar.gz", archive)
	e.vars["DIGIT_PULUMI_URL"] = url
	e.vars["DIGIT_PULUMI_SHA256"] = sum(archive)
	r := e.mustFail("pulumi")
	wantIn(t, r.stderr, url+" has no pulumi/pulumi-language-go")
}

func TestUnreachableDownloadFailsOverAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A port nobody listens on: what a machine without internet sees, give or take DNS.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e.vars["DIGIT_KUBECTL_URL"] = "http://" + addr + "/kubectl"
	e.vars["DIGIT_KUBECTL_SHA256"] = strings.Repeat("a", 64)

	// curl as tools.sh finds it, recording every call: the attempt is counted instead of timed, since a timing
	// depends on how loaded the machine is (make test runs this package beside the end-to-end tests).
	calls := filepath.Join(e.home, "curl.calls")
	fake(t, filepath.Join(e.fakes, "curl"), `echo "$*" >>`+calls+`; exec `+filepath.Join(e.sys, "curl")+` "$@"`)

	r := e.mustFail("kubectl")
	wantIn(t, r.stderr, "download of http://"+addr+"/kubectl failed (curl exit 7); next step", "DIGIT_TOOLS_BUILD=never")
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	// A refused connection fails at once only when it is tried once, with no retry loop, and with a connect timeout
	// short enough for a machine whose firewall drops packets instead of refusing them.
	var downloads []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.Contains(line, addr) {
			downloads = append(downloads, line)
		}
	}
	if len(downloads) != 1 {
		t.Fatalf("curl was called %d times for the unreachable URL, want once:\n%s", len(downloads), data)
	}
	wantIn(t, downloads[0], "--connect-timeout 5 ")
	if strings.Contains(downloads[0], "--retry") {
		t.Errorf("the download retries: %s", downloads[0])
	}

	// DIGIT_TOOLS_OFFLINE=1 does not even try.
	if err := os.Remove(calls); err != nil {
		t.Fatal(err)
	}
	e.vars["DIGIT_TOOLS_OFFLINE"] = "1"
	offline := e.mustFail("kubectl")
	wantIn(t, offline.stderr, "download: DIGIT_TOOLS_OFFLINE=1")
	if _, err := os.Stat(calls); !os.IsNotExist(err) {
		t.Errorf("DIGIT_TOOLS_OFFLINE=1 still called curl (%v)", err)
	}
}

func TestNoPinnedChecksumNoDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.mustFail("etcd")
	wantIn(t, r.stderr, "etcd v3.5.21: path: none on PATH; cache: no "+filepath.Join(e.dir, "etcd-v3.5.21/bin/etcd"),
		"download: no pinned sha256 (set DIGIT_ETCD_SHA256)")
	// A step that merely does not apply is no failure: only the final verdict speaks.
	if strings.Contains(r.stderr, "failed") {
		t.Errorf("a ladder step that does not apply is reported as failed:\n%s", r.stderr)
	}
}

func TestProviderPlugin(t *testing.T) {
	t.Parallel()
	plugin := func(e *env, version string) string {
		return fake(e.t, filepath.Join(e.home, ".pulumi", "plugins", "resource-kubernetes-v"+version,
			"pulumi-resource-kubernetes"), "exit 0")
	}
	t.Run("plugin cache, newest fitting version", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		plugin(e, "4.20.0") // older than the pinned 4.25.0: ignored
		want := plugin(e, "4.32.0")
		plugin(e, "4.26.1")
		r := e.mustRun("pulumi-resource-kubernetes")
		wantIn(t, r.stderr, "pulumi-resource-kubernetes v4.25.0: plugin-cache (v4.32.0) "+want)
		if got := e.linked("pulumi-resource-kubernetes"); got != want {
			t.Errorf("$DIR/bin/pulumi-resource-kubernetes -> %q, want %q", got, want)
		}
	})
	t.Run("too old in the plugin cache", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		plugin(e, "4.20.0")
		r := e.mustFail("pulumi-resource-kubernetes")
		wantIn(t, r.stderr, "plugin-cache: no resource-kubernetes-v<>= v4.25.0 within v4>",
			"plugin-install: no pulumi CLI yet")
	})
	t.Run("pulumi plugin install", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		// A CLI that installs the plugin as the real one does, into $PULUMI_HOME/plugins.
		fake(t, filepath.Join(e.fakes, "pulumi"), `case "$1 $2 $3 $4 $5" in
"version    ") echo `+pulumiVersion+`;;
"plugin install resource kubernetes 4.25.0")
  d="$PULUMI_HOME/plugins/resource-kubernetes-v4.25.0"; mkdir -p "$d"
  printf '#!/bin/sh\n' >"$d/pulumi-resource-kubernetes"; chmod +x "$d/pulumi-resource-kubernetes";;
*) echo "unexpected: $*" >&2; exit 3;;
esac`)
		probe, _ := serve(t, "", nil)
		e.vars["DIGIT_TOOLS_PLUGIN_PROBE_URL"] = probe
		r := e.mustRun("pulumi", "pulumi-resource-kubernetes")
		want := filepath.Join(e.home, ".pulumi", "plugins", "resource-kubernetes-v4.25.0", "pulumi-resource-kubernetes")
		wantIn(t, r.stderr, "pulumi plugin install resource kubernetes 4.25.0",
			"pulumi-resource-kubernetes v4.25.0: plugin-cache (v4.25.0) "+want)
		if got := e.linked("pulumi-resource-kubernetes"); got != want {
			t.Errorf("$DIR/bin/pulumi-resource-kubernetes -> %q, want %q", got, want)
		}
	})
	t.Run("plugin server unreachable", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		fakePulumi(t, filepath.Join(e.fakes, "pulumi"), pulumiVersion) // exits 3 on `plugin install`
		r := e.mustFail("pulumi", "pulumi-resource-kubernetes")
		wantIn(t, r.stderr, "plugin-install: http://127.0.0.1:1/ unreachable")
		if strings.Contains(r.stderr, "fake pulumi: plugin") {
			t.Errorf("pulumi plugin install ran although the plugin server is unreachable:\n%s", r.stderr)
		}
	})
	t.Run("named by DIGIT_PULUMI_RESOURCE_KUBERNETES_BIN", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		plugin(e, "4.32.0")
		named := fake(t, filepath.Join(t.TempDir(), "pulumi-resource-kubernetes"), "exit 0")
		e.vars["DIGIT_PULUMI_RESOURCE_KUBERNETES_BIN"] = named
		r := e.mustRun("pulumi-resource-kubernetes")
		wantIn(t, r.stderr, "DIGIT_PULUMI_RESOURCE_KUBERNETES_BIN (version not checked) "+named)
	})
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.mustFail("kubeclt")
	if r.code != 2 {
		t.Errorf("exit %d for an unknown tool, want 2", r.code)
	}
	wantIn(t, r.stderr, "unknown tool 'kubeclt'", "kubectl")

	e.vars["DIGIT_TOOLS_BUILD"] = "sometimes"
	r = e.mustFail("kubectl")
	wantIn(t, r.stderr, "DIGIT_TOOLS_BUILD must be auto or never, not 'sometimes'")

	delete(e.vars, "DIGIT_TOOLS_BUILD")
	if r = e.mustRun("--print-env"); r.stdout != filepath.Join(e.dir, "env.sh")+"\n" {
		t.Errorf("--print-env printed %q", r.stdout)
	}
	if r = e.mustRun("--list"); !strings.Contains(r.stdout, "pulumi-resource-kubernetes   v4.25.0\n") {
		t.Errorf("--list printed %q", r.stdout)
	}
}

func TestScriptsParse(t *testing.T) {
	t.Parallel()
	scripts, err := filepath.Glob(filepath.Join("..", "*.sh"))
	if err != nil || len(scripts) < 2 {
		t.Fatalf("hack/*.sh: %v %v", scripts, err)
	}
	for _, s := range scripts {
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
	}
}

func TestFailedBuildFailsTheRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A go that fails every command: the source build is tried (DIGIT_TOOLS_BUILD=auto) and must stop the run.
	fake(t, filepath.Join(e.fakes, "go"), `echo "fake go: $*" >&2; exit 1`)
	e.vars["DIGIT_TOOLS_BUILD"] = "auto"
	r := e.mustFail("pulumi")
	wantIn(t, r.stderr, "pulumi "+pulumiVersion+": build (", "pulumi "+pulumiVersion+": failed (exit 1)")
	if strings.Contains(r.stderr, "tools ready") {
		t.Errorf("the run reports success after a failed build:\n%s", r.stderr)
	}
	if got := e.linked("pulumi"); got != "" {
		t.Errorf("$DIR/bin/pulumi -> %q after a failed build", got)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "pulumi-"+pulumiVersion)); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s (stat: %v)", filepath.Join(e.dir, "pulumi-"+pulumiVersion), err)
	}
}

func TestSourceBuildIsCachedLinkedAndTimed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A go whose `build -o X` burns a few CPU seconds and writes a pulumi to X: the build path end to end.
	fake(t, filepath.Join(e.fakes, "go"), `case "$1" in
build)
  out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
  i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done
  printf '#!/bin/sh\necho `+pulumiVersion+`\n' >"$out"; chmod +x "$out";;
esac`)
	e.vars["DIGIT_TOOLS_BUILD"] = "auto"
	r := e.mustRun("pulumi")
	bin := filepath.Join(e.dir, "pulumi-"+pulumiVersion, "bin", "pulumi")
	wantIn(t, r.stderr, "pulumi "+pulumiVersion+": build "+bin)
	if got := e.linked("pulumi"); got != bin {
		t.Errorf("$DIR/bin/pulumi -> %q, want %q", got, bin)
	}
	times, err := os.ReadFile(filepath.Join(e.dir, "build-times.log"))
	if err != nil {
		t.Fatal(err)
	}
	// "<date>\tpulumi v3.274.1\t<wall>s\t<cpu> CPU s": the CPU seconds are those of the build's processes.
	f := strings.Split(strings.TrimSpace(string(times)), "\t")
	var cpu int
	if len(f) != 4 || f[1] != "pulumi "+pulumiVersion {
		t.Fatalf("build-times.log: %q", times)
	}
	if _, err := fmt.Sscanf(f[3], "%d CPU s", &cpu); err != nil || cpu < 1 {
		t.Errorf("build-times.log records %q CPU for a build that burnt seconds of it (%v)", f[3], err)
	}
	// Built once: the next run takes it from the cache.
	r = e.mustRun("pulumi")
	wantIn(t, r.stderr, "pulumi "+pulumiVersion+": cache "+bin)
}
