package aws

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dlm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ebs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/limits"
)

// VolumeRole is one backbone role (kafka, zookeeper, elasticsearch-data...) and its per-replica disks.
type VolumeRole struct {
	// Name of the role, a DNS label. Required.
	Name string
	// Replicas is the number of disks, one per StatefulSet replica. Required, at least 1.
	Replicas int
	// SizeGB of each disk. Required, at least 1 (125 for st1/sc1).
	SizeGB int
	// Type is the EBS volume type: gp3, gp2, st1 or sc1. Default "gp3".
	Type string
}

// VolumesArgs configures Volumes.
type VolumesArgs struct {
	// Zones the replicas spread over: replica i goes to Zones[i % len(Zones)], the zone its Pod must then run in.
	// Required. Give them in a stable order (the config loader sorts them): reordering moves, so replaces, disks.
	Zones []string
	// Roles to create disks for. Required, names unique.
	Roles []VolumeRole
	// KmsKeyArn encrypts the disks. Default: a key created for them.
	KmsKeyArn pulumi.StringInput
	// Protect protects the disks (and a created key) and retains them when removed from the program, so that no
	// Pulumi operation deletes backbone data. Default false.
	Protect bool
	// SnapshotDays is how many daily snapshots of each disk Data Lifecycle Manager keeps (taken at 02:00 UTC).
	// Default 7; -1 takes none.
	SnapshotDays int
	// Tags are added to every disk. Default none.
	Tags map[string]string
}

// VolumeInfo is one created disk.
type VolumeInfo struct {
	ID     pulumi.StringOutput
	Zone   string
	SizeGB int
}

// Volumes are pre-created encrypted EBS disks bound to backbone replicas by static PersistentVolumes.
type Volumes struct {
	pulumi.ResourceState

	// ByRole lists each role's disks in replica order.
	ByRole map[string][]VolumeInfo
	// KmsKeyArn is the key the disks are encrypted with.
	KmsKeyArn pulumi.StringOutput
}

// Minimum sizes per type (st1/sc1 cannot be smaller than 125 GiB); io1/io2 are left out because they need IOPS.

func (a *VolumesArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Volumes", name, field, f, v...) }
	if len(a.Zones) == 0 {
		return fail("Zones", "required")
	}
	for i, z := range a.Zones {
		if !zonePattern.MatchString(z) {
			return fail("Zones", "zone %d %q is not an availability zone name (e.g. ap-south-1a)", i, z)
		}
	}
	if len(a.Roles) == 0 {
		return fail("Roles", "at least one role is required")
	}
	if a.SnapshotDays == 0 {
		a.SnapshotDays = 7
	}
	// DLM keeps at most 1000 snapshots per schedule.
	if a.SnapshotDays < -1 || a.SnapshotDays > 1000 {
		return fail("SnapshotDays", "must be -1 (none) or 1 to 1000, got %d", a.SnapshotDays)
	}
	seen := map[string]bool{}
	for i := range a.Roles {
		r := &a.Roles[i]
		if r.Type == "" {
			r.Type = "gp3"
		}
		field := fmt.Sprintf("Roles[%d]", i)
		if !dnsLabel.MatchString(r.Name) {
			return fail(field+".Name", "%q is not a DNS label (lower-case letters, digits, -)", r.Name)
		}
		if seen[r.Name] {
			return fail(field+".Name", "role %q is listed twice", r.Name)
		}
		seen[r.Name] = true
		if r.Replicas < 1 {
			return fail(field+".Replicas", "role %q: must be at least 1, got %d", r.Name, r.Replicas)
		}
		minGB, ok := limits.VolumeTypeMinGB[r.Type]
		if !ok {
			return fail(field+".Type", "role %q: %q is not one of %s", r.Name, r.Type, strings.Join(limits.VolumeTypes(), ", "))
		}
		if r.SizeGB < minGB || r.SizeGB > limits.MaxVolumeGB {
			return fail(field+".SizeGB", "role %q: a %s volume must be %d to %d GiB, got %d", r.Name, r.Type, minGB,
				limits.MaxVolumeGB, r.SizeGB)
		}
	}
	return nil
}

// snapshotTag marks the disks the component's snapshot policy covers.
const snapshotTag = limits.SnapshotTag

// newSnapshotPolicy has Data Lifecycle Manager snapshot every disk tagged for this component once a day: a replaced
// or lost disk, or a broker that corrupted its log, can be restored from the last night's state.
func newSnapshotPolicy(ctx *pulumi.Context, name string, args VolumesArgs, parent pulumi.ResourceOption) error {
	tags := mergeTags(args.Tags, nil)
	role, att, err := newRoleWithPolicy(ctx, name+"-snapshots", pulumi.String(assumeRoleForService("dlm.amazonaws.com")),
		"service-role/AWSDataLifecycleManagerServiceRole", tags, parent)
	if err != nil {
		return err
	}
	_, err = dlm.NewLifecyclePolicy(ctx, name, &dlm.LifecyclePolicyArgs{
		Description:      pulumi.String("Daily snapshots of the backbone disks of " + name),
		ExecutionRoleArn: role.Arn,
		State:            pulumi.String("ENABLED"),
		PolicyDetails: dlm.LifecyclePolicyPolicyDetailsArgs{
			ResourceTypes: pulumi.ToStringArray([]string{"VOLUME"}),
			TargetTags:    pulumi.StringMap{snapshotTag: pulumi.String(name)},
			Schedules: dlm.LifecyclePolicyPolicyDetailsScheduleArray{dlm.LifecyclePolicyPolicyDetailsScheduleArgs{
				Name:     pulumi.String("daily"),
				CopyTags: pulumi.Bool(true),
				CreateRule: dlm.LifecyclePolicyPolicyDetailsScheduleCreateRuleArgs{
					Interval: pulumi.Int(24), IntervalUnit: pulumi.String("HOURS"), Times: pulumi.String("02:00"),
				},
				RetainRule: dlm.LifecyclePolicyPolicyDetailsScheduleRetainRuleArgs{Count: pulumi.Int(args.SnapshotDays)},
			}},
		},
		Tags: tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{att}))
	return err
}

// NewVolumes creates the disks.
func NewVolumes(ctx *pulumi.Context, name string, args VolumesArgs, opts ...pulumi.ResourceOption) (*Volumes, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	comp := &Volumes{ByRole: map[string][]VolumeInfo{}}
	if err := ctx.RegisterComponentResourceV2("digit:aws:Volumes", name, pulumi.Map{
		"zones": pulumi.ToStringArray(args.Zones),
	}, comp, opts...); err != nil {
		return nil, err
	}
	data := append([]pulumi.ResourceOption{pulumi.Parent(comp)}, stateful(args.Protect, true)...)

	keyArn := pulumi.StringOutput{}
	if args.KmsKeyArn != nil {
		keyArn = args.KmsKeyArn.ToStringOutput()
	} else {
		// Retained with the disks: a retained disk whose key was deleted could never be read again.
		key, err := newKey(ctx, name, "EBS volumes of "+name, mergeTags(args.Tags, nil), data...)
		if err != nil {
			return nil, err
		}
		keyArn = key.Arn
	}

	out := pulumi.Map{}
	for _, role := range args.Roles {
		var infos pulumi.Array
		for i := 0; i < role.Replicas; i++ {
			zone := args.Zones[i%len(args.Zones)]
			volName := fmt.Sprintf("%s-%s-%d", name, role.Name, i)
			vol, err := ebs.NewVolume(ctx, volName, &ebs.VolumeArgs{
				AvailabilityZone: pulumi.String(zone),
				Size:             pulumi.Int(role.SizeGB),
				Type:             pulumi.String(role.Type),
				Encrypted:        pulumi.Bool(true),
				KmsKeyId:         keyArn,
				Tags: mergeTags(args.Tags, map[string]string{
					"Name":          volName,
					"digit/role":    role.Name,
					"digit/replica": strconv.Itoa(i),
					snapshotTag:     name,
				}),
			}, data...)
			if err != nil {
				return nil, err
			}
			id := vol.ID().ToStringOutput()
			comp.ByRole[role.Name] = append(comp.ByRole[role.Name], VolumeInfo{ID: id, Zone: zone, SizeGB: role.SizeGB})
			infos = append(infos, pulumi.Map{"id": id, "zone": pulumi.String(zone), "sizeGb": pulumi.Int(role.SizeGB)})
		}
		out[role.Name] = infos
	}
	if args.SnapshotDays > 0 {
		if err := newSnapshotPolicy(ctx, name, args, pulumi.Parent(comp)); err != nil {
			return nil, err
		}
	}
	comp.KmsKeyArn = keyArn
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"byRole": out, "kmsKeyArn": keyArn})
}
