package aws

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
)

func volumesArgs() VolumesArgs {
	return VolumesArgs{
		Zones: threeZones[:2],
		Roles: []VolumeRole{
			{Name: "kafka", Replicas: 3, SizeGB: 50},
			{Name: "elasticsearch-data", Replicas: 2, SizeGB: 25, Type: "gp2"},
		},
	}
}

func runVolumes(t *testing.T, args VolumesArgs) (*awstest.Mocks, *Volumes) {
	t.Helper()
	var v *Volumes
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		v, err = NewVolumes(ctx, "backbone", args)
		return err
	})
	return m, v
}

func TestVolumesEncryptedRoundRobin(t *testing.T) {
	m, v := runVolumes(t, volumesArgs())
	key := only(t, m, "aws:kms/key:Key")
	if n := len(m.ByType("aws:ebs/volume:Volume")); n != 5 {
		t.Fatalf("%d volumes, want 5", n)
	}
	for _, role := range volumesArgs().Roles {
		infos := v.ByRole[role.Name]
		if len(infos) != role.Replicas {
			t.Fatalf("ByRole[%s] has %d volumes, want %d", role.Name, len(infos), role.Replicas)
		}
		for i, info := range infos {
			zone := threeZones[i%2]
			vol := m.MustFind(t, "aws:ebs/volume:Volume", fmt.Sprintf("backbone-%s-%d", role.Name, i))
			if vol.String("availabilityZone") != zone || info.Zone != zone {
				t.Errorf("%s replica %d in %q (reported %q), want %q", role.Name, i, vol.String("availabilityZone"),
					info.Zone, zone)
			}
			if !vol.Bool("encrypted") || vol.String("kmsKeyId") != key.Outputs["arn"].StringValue() {
				t.Errorf("%s not encrypted with the component's key", vol.Name)
			}
			wantType := role.Type
			if wantType == "" {
				wantType = "gp3"
			}
			if vol.String("type") != wantType || vol.Int("size") != role.SizeGB || info.SizeGB != role.SizeGB {
				t.Errorf("%s: %s %d GiB, want %s %d", vol.Name, vol.String("type"), vol.Int("size"), wantType, role.SizeGB)
			}
			tags := vol.Tags()
			if tags["digit/role"] != role.Name || tags["digit/replica"] != strconv.Itoa(i) {
				t.Errorf("%s tags %v", vol.Name, tags)
			}
			if id, _ := mocktest.AwaitString(t, info.ID); id != vol.ID {
				t.Errorf("ByRole[%s][%d].ID = %q, want %q", role.Name, i, id, vol.ID)
			}
			if vol.Protect || vol.RetainOnDelete {
				t.Errorf("%s protected/retained without Protect", vol.Name)
			}
		}
	}
	assertAllParented(t, m, "digit:aws:Volumes")
}

func TestVolumesProtectRetainsDisksAndKey(t *testing.T) {
	args := volumesArgs()
	args.Protect = true
	m, _ := runVolumes(t, args)
	for _, r := range append(m.ByType("aws:ebs/volume:Volume"), m.ByType("aws:kms/key:Key")...) {
		if !r.Protect || !r.RetainOnDelete {
			t.Errorf("%s %s: protect=%v retainOnDelete=%v, want both", r.Type, r.Name, r.Protect, r.RetainOnDelete)
		}
	}
}

func TestVolumesGivenKey(t *testing.T) {
	args := volumesArgs()
	args.KmsKeyArn = pulumi.String("arn:aws:kms:ap-south-1:123456789012:key/given")
	m, v := runVolumes(t, args)
	if n := len(m.ByType("aws:kms/key:Key")); n != 0 {
		t.Errorf("%d keys created although one was given", n)
	}
	for _, vol := range m.ByType("aws:ebs/volume:Volume") {
		if vol.String("kmsKeyId") != "arn:aws:kms:ap-south-1:123456789012:key/given" {
			t.Errorf("%s uses key %q", vol.Name, vol.String("kmsKeyId"))
		}
	}
	if k, _ := mocktest.AwaitString(t, v.KmsKeyArn); k != "arn:aws:kms:ap-south-1:123456789012:key/given" {
		t.Errorf("KmsKeyArn %q", k)
	}
}

func TestVolumesArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*VolumesArgs)
	}{
		{"Zones", func(a *VolumesArgs) { a.Zones = nil }},
		{"Zones", func(a *VolumesArgs) { a.Zones = []string{"south"} }},
		{"Roles", func(a *VolumesArgs) { a.Roles = nil }},
		{"Roles[0].Name", func(a *VolumesArgs) { a.Roles[0].Name = "Kafka_Data" }},
		{"Roles[1].Name", func(a *VolumesArgs) { a.Roles[1].Name = "kafka" }},
		{"Roles[0].Replicas", func(a *VolumesArgs) { a.Roles[0].Replicas = 0 }},
		{"Roles[0].SizeGB", func(a *VolumesArgs) { a.Roles[0].SizeGB = 0 }},
		{"SnapshotDays", func(a *VolumesArgs) { a.SnapshotDays = 1001 }},
		{"SnapshotDays", func(a *VolumesArgs) { a.SnapshotDays = -2 }},
		{"Roles[0].SizeGB", func(a *VolumesArgs) { a.Roles[0].Type, a.Roles[0].SizeGB = "st1", 100 }},
		{"Roles[0].Type", func(a *VolumesArgs) { a.Roles[0].Type = "io2" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			args := volumesArgs()
			tc.edit(&args)
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewVolumes(ctx, "backbone", args)
				return err
			})
		})
	}
}
