package aws

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestArgBoundaries: the limits of each range are accepted and the first value past them is rejected, naming the
// field, so that an off-by-one in a validation (< for <=) shows.
func TestArgBoundaries(t *testing.T) {
	type tc struct {
		name  string
		field string // "" = valid
		check func() error
	}
	db := func(edit func(*DatabaseArgs)) func() error {
		return func() error { a := dbArgs(); edit(&a); return a.validate("db") }
	}
	cl := func(edit func(*ClusterArgs)) func() error {
		return func() error { a := clusterArgs(); edit(&a); return a.validate("eks") }
	}
	vol := func(edit func(*VolumesArgs)) func() error {
		return func() error { a := volumesArgs(); edit(&a); return a.validate("backbone") }
	}
	reg := func(repos ...string) func() error {
		return func() error { a := RegistryArgs{Repositories: repos}; return a.validate("ecr") }
	}
	net := func(zones ...string) func() error {
		return func() error { a := NetworkArgs{Zones: zones}; _, err := a.validate("digit"); return err }
	}
	repo := func(n int) string { return "e" + strings.Repeat("a", n-1) }
	for _, c := range []tc{
		{"db storage 20", "", db(func(a *DatabaseArgs) { a.AllocatedStorageGB = 20 })},
		{"db storage 19", "AllocatedStorageGB", db(func(a *DatabaseArgs) { a.AllocatedStorageGB = 19 })},
		{"db storage 65536", "", db(func(a *DatabaseArgs) { a.AllocatedStorageGB, a.MaxAllocatedStorageGB = 65536, 65536 })},
		{"db storage 65537", "AllocatedStorageGB", db(func(a *DatabaseArgs) { a.AllocatedStorageGB, a.MaxAllocatedStorageGB = 65537, 65537 })},
		{"db max = storage", "", db(func(a *DatabaseArgs) { a.AllocatedStorageGB, a.MaxAllocatedStorageGB = 50, 50 })},
		{"db max 65537", "MaxAllocatedStorageGB", db(func(a *DatabaseArgs) { a.MaxAllocatedStorageGB = 65537 })},
		{"db backups 1", "", db(func(a *DatabaseArgs) { a.BackupRetentionDays = 1 })},
		{"db backups 35", "", db(func(a *DatabaseArgs) { a.BackupRetentionDays = 35 })},
		{"db backups -1", "BackupRetentionDays", db(func(a *DatabaseArgs) { a.BackupRetentionDays = -1 })},
		{"db name 63", "", db(func(a *DatabaseArgs) { a.DBName = "e" + strings.Repeat("a", 62) })},
		{"db name 64", "DBName", db(func(a *DatabaseArgs) { a.DBName = "e" + strings.Repeat("a", 63) })},
		{"eks desired 1", "", cl(func(a *ClusterArgs) { a.DesiredSize, a.MinSize, a.MaxSize = 1, 1, 1 })},
		{"eks min = desired = max", "", cl(func(a *ClusterArgs) { a.DesiredSize, a.MinSize, a.MaxSize = 3, 3, 3 })},
		{"eks min 0 after default", "", cl(func(a *ClusterArgs) { a.DesiredSize, a.MinSize = 3, 0 })},
		{"eks min -1", "MinSize", cl(func(a *ClusterArgs) { a.MinSize = -1 })},
		{"eks max below desired", "MaxSize", cl(func(a *ClusterArgs) { a.DesiredSize, a.MaxSize = 3, 2 })},
		{"eks disk 20", "", cl(func(a *ClusterArgs) { a.DiskSizeGB = 20 })},
		{"eks disk 19", "DiskSizeGB", cl(func(a *ClusterArgs) { a.DiskSizeGB = 19 })},
		{"eks disk 16384", "", cl(func(a *ClusterArgs) { a.DiskSizeGB = 16384 })},
		{"eks disk 16385", "DiskSizeGB", cl(func(a *ClusterArgs) { a.DiskSizeGB = 16385 })},
		{"eks private only", "", cl(func(a *ClusterArgs) {
			a.EndpointPublicAccess, a.PublicAccessCidrs = ptr(false), nil
		})},
		{"eks public only", "", cl(func(a *ClusterArgs) { a.EndpointPrivateAccess = ptr(false) })},
		{"volume replicas 1", "", vol(func(a *VolumesArgs) { a.Roles[0].Replicas = 1 })},
		{"volume gp3 1 GiB", "", vol(func(a *VolumesArgs) { a.Roles[0].SizeGB = 1 })},
		{"volume 16384", "", vol(func(a *VolumesArgs) { a.Roles[0].SizeGB = 16384 })},
		{"volume 16385", "Roles[0].SizeGB", vol(func(a *VolumesArgs) { a.Roles[0].SizeGB = 16385 })},
		{"volume st1 125", "", vol(func(a *VolumesArgs) { a.Roles[0].Type, a.Roles[0].SizeGB = "st1", 125 })},
		{"volume st1 124", "Roles[0].SizeGB", vol(func(a *VolumesArgs) { a.Roles[0].Type, a.Roles[0].SizeGB = "st1", 124 })},
		{"repository 2 chars", "", reg(repo(2))},
		{"repository 256 chars", "", reg(repo(256))},
		{"repository 257 chars", "Repositories", reg(repo(257))},
		{"4 zones", "", net("ap-south-1a", "ap-south-1b", "ap-south-1c", "ap-south-1d")},
		{"1 zone", "", net("ap-south-1a")},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.check()
			switch {
			case c.field == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case c.field != "" && (err == nil || !strings.Contains(err.Error(), c.field+":")):
				t.Errorf("error %v, want one naming %s", err, c.field)
			}
		})
	}
}

// TestSnapshotNameIsAValidIdentifier: the final snapshot identifier is letters, digits and single hyphens, starts
// with a letter and stays within RDS's 255 characters.
func TestSnapshotNameIsAValidIdentifier(t *testing.T) {
	for in, want := range map[string]string{
		"db":                     "db-final",
		"Digit_Prod--DB":         "digit-prod-db-final",
		"digit prod db-":         "digit-prod-db-final",
		"1db":                    "",
		"--":                     "",
		strings.Repeat("a", 250): strings.Repeat("a", 240) + "-final",
		strings.Repeat("a", 240): strings.Repeat("a", 240) + "-final",
		// The cut at 240 falls just after a hyphen, which goes too: no "--final".
		strings.Repeat("a", 239) + "-bcd": strings.Repeat("a", 239) + "-final",
		// The edges of the letter and digit ranges are kept; the characters beside them are separators.
		"az09":  "az09-final",
		"a/b:c": "a-b-c-final",
		"a@b[c": "a-b-c-final",
		"a`b{c": "a-b-c-final",
		"z1":    "z1-final",
		"9a":    "",
		"{a":    "a-final",
	} {
		if got := snapshotName(in); got != want {
			t.Errorf("snapshotName(%q) = %q, want %q", in, got, want)
		}
	}
	expectArgError(t, "FinalSnapshot", func(ctx *pulumi.Context) error {
		a := dbArgs()
		a.FinalSnapshot = true
		_, err := NewDatabase(ctx, "1db", a)
		return err
	})
}
