package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// savePlan writes a plan file of body and reads it back the way Up does.
func savePlan(t *testing.T, body string) *savedPlan {
	t.Helper()
	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	saved, err := readPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func TestDataLossListsReplacedAndDeletedStatefulResourcesOnly(t *testing.T) {
	const s = "urn:pulumi:prod::digit::"
	body := `{"resourcePlans": {
	  "` + s + `digit:aws:Database$aws:rds/instance:Instance::db": {"steps": ["create-replacement", "replace", "delete-replaced"]},
	  "` + s + `digit:aws:Volumes$aws:ebs/volume:Volume::kafka-0": {"steps": ["delete"]},
	  "` + s + `aws:ebs/volume:Volume::kafka-1": {"steps": ["update"]},
	  "` + s + `kubernetes:core/v1:PersistentVolume::es-0": {"steps": ["same"]},
	  "` + s + `kubernetes:apps/v1:Deployment::egov-user": {"steps": ["replace"]},
	  "` + s + `aws:kms/key:Key::data": {"steps": ["create"]}
	}}`
	saved := savePlan(t, body)
	got := dataLoss(saved)
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

func TestShrinksListsLoweredDiskAndDatabaseSizesOnly(t *testing.T) {
	const s = "urn:pulumi:prod::digit::"
	kafka0 := s + "digit:aws:Volumes$aws:ebs/volume:Volume::kafka-0"
	kafka1 := s + "digit:aws:Volumes$aws:ebs/volume:Volume::kafka-1"
	zk0 := s + "digit:aws:Volumes$aws:ebs/volume:Volume::zookeeper-0"
	disk := s + "digit:azure:Disks$azure-native:compute:Disk::es-data-0"
	pg := s + "digit:azure:Database$azure-native:dbforpostgresql/v20230601preview:Server::db"
	rds := s + "digit:aws:Database$aws:rds/instance:Instance::db"
	checkpoint := `{"checkpoint":{"latest":{"resources":[
	  {"urn":"` + kafka0 + `","type":"aws:ebs/volume:Volume","inputs":{"size":50,"type":"gp3"}},
	  {"urn":"` + kafka1 + `","type":"aws:ebs/volume:Volume","inputs":{"size":50}},
	  {"urn":"` + zk0 + `","type":"aws:ebs/volume:Volume","inputs":{"size":2}},
	  {"urn":"` + disk + `","type":"azure-native:compute:Disk","inputs":{"diskSizeGB":25}},
	  {"urn":"` + pg + `","type":"azure-native:dbforpostgresql/v20230601preview:Server","inputs":{"storage":{"storageSizeGB":128,"autoGrow":"Disabled"}}},
	  {"urn":"` + rds + `","type":"aws:rds/instance:Instance","inputs":{"allocatedStorage":100}}
	]}}}`
	body := `{"resourcePlans": {
	  "` + kafka0 + `": {"goal": {"inputDiff": {"updates": {"size": 40}}}, "steps": ["update"]},
	  "` + kafka1 + `": {"goal": {"inputDiff": {"updates": {"size": 60}}}, "steps": ["update"]},
	  "` + zk0 + `": {"goal": {"inputDiff": {"updates": {"type": "gp2"}}}, "steps": ["update"]},
	  "` + disk + `": {"goal": {"inputDiff": {"updates": {"diskSizeGB": 4}}}, "steps": ["update"]},
	  "` + pg + `": {"goal": {"inputDiff": {"updates": {"storage": {"storageSizeGB": 64, "autoGrow": "Disabled"}}}}, "steps": ["update"]},
	  "` + rds + `": {"goal": {"inputDiff": {"updates": {"allocatedStorage": 20}}}, "steps": ["update"]}
	}}`
	saved := savePlan(t, body)
	got, err := shrinks(saved, []byte(checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		kafka0 + ": size 50 -> 40",
		disk + ": diskSizeGB 25 -> 4",
		pg + ": storage.storageSizeGB 128 -> 64",
	}
	slices.Sort(want)
	assertGuardList(t, "shrinks", got, want, refuseShrink("prod", got),
		"stack prod", "kafka-0", "50 -> 40", "nothing was changed", "digit:volumes sizeGb")
}

// TestOneWayStepsRefuseASkippedOrReversedAuthenticationMode: EKS moves a cluster CONFIG_MAP -> API_AND_CONFIG_MAP ->
// API one step at a time. A cluster made without accessConfig (on CONFIG_MAP) may take the first step, not jump to
// API; one on API may not go back; a replaced cluster and a one-step move pass.
func TestOneWayStepsRefuseASkippedOrReversedAuthenticationMode(t *testing.T) {
	const s = "urn:pulumi:prod::digit::digit:aws:Cluster$eks:index:Cluster$aws:eks/cluster:Cluster::"
	old, stepping, back, replaced, same := s+"old", s+"stepping", s+"back", s+"replaced", s+"same"
	checkpoint := `{"checkpoint":{"latest":{"resources":[
	  {"urn":"` + old + `","type":"aws:eks/cluster:Cluster","inputs":{"name":"old"}},
	  {"urn":"` + stepping + `","type":"aws:eks/cluster:Cluster","inputs":{"name":"stepping"}},
	  {"urn":"` + back + `","type":"aws:eks/cluster:Cluster","inputs":{"accessConfig":{"authenticationMode":"API"}}},
	  {"urn":"` + replaced + `","type":"aws:eks/cluster:Cluster","inputs":{}},
	  {"urn":"` + same + `","type":"aws:eks/cluster:Cluster","inputs":{"accessConfig":{"authenticationMode":"API_AND_CONFIG_MAP"}}}
	]}}}`
	body := `{"resourcePlans": {
	  "` + old + `": {"goal": {"inputDiff": {"adds": {"accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": true}}}}, "steps": ["update"]},
	  "` + stepping + `": {"goal": {"inputDiff": {"adds": {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}}}, "steps": ["update"]},
	  "` + back + `": {"goal": {"inputDiff": {"updates": {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}}}, "steps": ["update"]},
	  "` + replaced + `": {"goal": {"inputDiff": {"adds": {"accessConfig": {"authenticationMode": "API"}}}}, "steps": ["create-replacement", "replace", "delete-replaced"]},
	  "` + same + `": {"goal": {"inputDiff": {"updates": {"tags": {"a": "b"}}}}, "steps": ["update"]}
	}}`
	got, err := oneWaySteps(savePlan(t, body), []byte(checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		back + ": accessConfig.authenticationMode API -> API_AND_CONFIG_MAP (the cloud never goes back: keep digit:clusterAccess mode API)",
		old + ": accessConfig.authenticationMode CONFIG_MAP -> API (the cloud goes one step at a time: set digit:clusterAccess mode API_AND_CONFIG_MAP for one up first)",
	}
	slices.Sort(want)
	assertGuardList(t, "oneWaySteps", got, want, refuseOneWay("prod", got),
		"stack prod", "nothing was changed", "::old: accessConfig.authenticationMode CONFIG_MAP -> API")
}

// assertGuardList checks what a guard check listed, and that its refusal names each of mentions.
func assertGuardList(t *testing.T, check string, got, want []string, refusal error, mentions ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s =\n  %s\nwant\n  %s", check, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, w := range mentions {
		if !strings.Contains(refusal.Error(), w) {
			t.Errorf("the refusal %q does not mention %q", refusal, w)
		}
	}
}
