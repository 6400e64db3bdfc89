package existing

import (
	"net"
	"strings"
	"testing"

	"github.com/digit-iac/digit/stacks/config"
)

func apiServer(t *testing.T, server string) config.APIServer {
	t.Helper()
	api, err := config.ParseKubeconfig(kubeconfig(server))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func kubeconfig(server string) string {
	return "apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: {server: " + server + "}\n" +
		"contexts:\n- name: ctx1\n  context: {cluster: c1, user: u1}\ncurrent-context: ctx1\n" +
		"users:\n- name: u1\n  user: {token: kc-secret-token}\n"
}

// TestUnreachableAPIServerFailsNamingIt: a server that refuses connections is reported before anything is
// registered, with its URL, cluster and context, and without the kubeconfig's credentials; one that listens passes.
func TestUnreachableAPIServerFailsNamingIt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := "https://" + l.Addr().String()
	if err := Reachable(apiServer(t, open), DialTimeout); err != nil {
		t.Errorf("a listening API server: %v", err)
	}
	l.Close()
	err = Reachable(apiServer(t, open), DialTimeout)
	if err == nil {
		t.Fatal("a closed port was reachable")
	}
	for _, want := range []string{"digit:kubeconfig: the API server " + open, `cluster "c1" of context "ctx1"`, "unreachable",
		"connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "kc-secret-token") {
		t.Errorf("the error quotes the credentials: %v", err)
	}
}
