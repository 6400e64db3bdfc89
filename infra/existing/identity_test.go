package existing

import (
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	stackCluster = "6f1c8a52-3b0e-4a59-9d0c-2f4e5b6a7c8d"
	otherCluster = "0b7d2e11-9c4a-4f3e-8a21-5d6c7e8f9a0b"
)

// apiServing serves kube-system with the given UID over TLS to requests carrying the kubeconfig's token (client-go
// sends credentials over TLS only), 403 to others. It returns the server URL and a kubeconfig trusting it.
func apiServing(t *testing.T, uid string) (string, string) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer kc-secret-token" {
			http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`, http.StatusForbidden)
			return
		}
		if r.URL.Path != "/api/v1/namespaces/kube-system" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"kube-system","uid":"` + uid + `"}}`))
	}))
	t.Cleanup(srv.Close)
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	kc := strings.Replace(kubeconfig(srv.URL), "{server: "+srv.URL+"}", "{server: "+srv.URL+", certificate-authority-data: "+ca+"}", 1)
	return srv.URL, kc
}

// TestAnotherClusterIsRefused: with digit:clusterId, a kubeconfig (given, or the ambient one a switched context
// selects) whose cluster's kube-system namespace has another UID is refused, naming the server, the context and
// both UIDs, never the credentials; the stack's own cluster passes, and one that cannot be read is not guessed at.
func TestAnotherClusterIsRefused(t *testing.T) {
	same, sameKC := apiServing(t, stackCluster)
	if err := SameCluster(sameKC, stackCluster, DialTimeout); err != nil {
		t.Errorf("the stack's own cluster: %v", err)
	}
	other, otherKC := apiServing(t, otherCluster)
	err := SameCluster(otherKC, stackCluster, DialTimeout)
	if err == nil {
		t.Fatal("another cluster's kubeconfig was accepted")
	}
	for _, want := range []string{"digit:clusterId: the cluster at " + other, `context "ctx1"`, "is not the stack's cluster",
		"UID " + otherCluster, "the stack's has " + stackCluster, "set digit:clusterId to " + otherCluster} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "kc-secret-token") {
		t.Errorf("the error quotes the credentials: %v", err)
	}

	// The ambient kubeconfig, as the provider reads it.
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(otherKC), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", path)
	if err := SameCluster("", stackCluster, DialTimeout); err == nil || !strings.Contains(err.Error(), "UID "+otherCluster) {
		t.Errorf("the ambient kubeconfig of another cluster: %v", err)
	}

	// A cluster that refuses the read is reported as such, not taken for the stack's.
	denied := strings.Replace(sameKC, "kc-secret-token", "other-token", 1)
	if err := SameCluster(denied, stackCluster, DialTimeout); err == nil ||
		!strings.Contains(err.Error(), "cannot read namespace kube-system of the cluster at "+same) {
		t.Errorf("a forbidden read: %v", err)
	}
}
