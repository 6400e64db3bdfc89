package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataLossListsReplacedAndDeletedStatefulResourcesOnly(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "plan.json")
	const s = "urn:pulumi:prod::digit::"
	body := `{"resourcePlans": {
	  "` + s + `digit:aws:Database$aws:rds/instance:Instance::db": {"steps": ["create-replacement", "replace", "delete-replaced"]},
	  "` + s + `digit:aws:Volumes$aws:ebs/volume:Volume::kafka-0": {"steps": ["delete"]},
	  "` + s + `aws:ebs/volume:Volume::kafka-1": {"steps": ["update"]},
	  "` + s + `kubernetes:core/v1:PersistentVolume::es-0": {"steps": ["same"]},
	  "` + s + `kubernetes:apps/v1:Deployment::egov-user": {"steps": ["replace"]},
	  "` + s + `aws:kms/key:Key::data": {"steps": ["create"]}
	}}`
	if err := os.WriteFile(plan, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := dataLoss(plan)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create-replacement database " + s + "digit:aws:Database$aws:rds/instance:Instance::db",
		"delete disk " + s + "digit:aws:Volumes$aws:ebs/volume:Volume::kafka-0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dataLoss =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if err := refuseDataLoss("prod", got); !strings.Contains(err.Error(), "--allow-data-loss") || !strings.Contains(err.Error(), "kafka-0") {
		t.Errorf("the refusal must name the resources and the flag: %v", err)
	}
}

func TestStatefulInStateLooksForStatefulTypes(t *testing.T) {
	for body, want := range map[string]bool{
		`{"checkpoint":{"latest":{"resources":[{"type":"kubernetes:apps/v1:Deployment"},{"type":"aws:rds/instance:Instance"}]}}}`: true,
		`{"checkpoint":{"latest":{"resources":[{"type":"kubernetes:apps/v1:StatefulSet"}]}}}`:                                     false,
		`{"checkpoint":{}}`: false,
	} {
		got, err := statefulInState([]byte(body))
		if err != nil || got != want {
			t.Errorf("statefulInState(%s) = %v, %v; want %v", body, got, err, want)
		}
	}
}

func TestRunLockRefusesASecondHolderAndIsReleased(t *testing.T) {
	dir := t.TempDir()
	first, err := lockStack(dir, "s", "up")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockStack(dir, "s", "preview"); err == nil || !strings.Contains(err.Error(), "stack s is in use: up by pid") {
		t.Errorf("expected the second lock refused, naming the holder's operation and pid; got %v", err)
	}
	if other, err := lockStack(dir, "t", "up"); err != nil {
		t.Errorf("another stack must not be blocked: %v", err)
	} else {
		other.release()
	}
	first.release()
	again, err := lockStack(dir, "s", "destroy")
	if err != nil {
		t.Fatalf("expected the lock free after release: %v", err)
	}
	again.release()
}

func TestURNParts(t *testing.T) {
	urn := "urn:pulumi:prod::digit::digit:aws:Database$aws:rds/instance:Instance::db"
	if urnType(urn) != "aws:rds/instance:Instance" || urnName(urn) != "db" {
		t.Errorf("urnType/urnName of %s: %q %q", urn, urnType(urn), urnName(urn))
	}
	if !isKubernetesOrBookkeeping("urn:pulumi:s::digit::digit:k8s:DigitService$kubernetes:apps/v1:Deployment::x") ||
		isKubernetesOrBookkeeping(urn) {
		t.Error("isKubernetesOrBookkeeping: a Deployment is Kubernetes, an RDS instance is not")
	}
}

func TestOnlyKubernetesInState(t *testing.T) {
	const p = "urn:pulumi:s::digit::"
	for body, want := range map[string]bool{
		`{"checkpoint":{"latest":{"resources":[{"urn":"` + p + `pulumi:pulumi:Stack::digit-s"},{"urn":"` + p + `pulumi:providers:kubernetes::k8s"},{"urn":"` + p + `digit:k8s:Backbone$kubernetes:apps/v1:StatefulSet::kafka"}]}}}`: true,
		`{"checkpoint":{"latest":{"resources":[{"urn":"` + p + `digit:aws:Network$aws:ec2/vpc:Vpc::vpc"},{"urn":"` + p + `kubernetes:core/v1:Namespace::egov"}]}}}`:                                                                 false,
		`{"checkpoint":{"latest":{"resources":[]}}}`: false,
		`not json`: false,
	} {
		if got := onlyKubernetesInState([]byte(body)); got != want {
			t.Errorf("onlyKubernetesInState(%s) = %v; want %v", body, got, want)
		}
	}
}
