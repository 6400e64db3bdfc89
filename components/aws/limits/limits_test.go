package limits

import (
	"slices"
	"strings"
	"testing"
)

// TestVolumeTypesListCheapestMinimumFirst: the order the config error lists them in.
func TestVolumeTypesListCheapestMinimumFirst(t *testing.T) {
	if got, want := VolumeTypes(), []string{"gp3", "gp2", "st1", "sc1"}; !slices.Equal(got, want) {
		t.Errorf("VolumeTypes() = %v, want %v", got, want)
	}
}

// TestBucketPrefixOfTheLongestStackName: a 21-character stack name is the longest whose filestore bucket prefix
// fits the 37 characters the bucket name leaves (S3's 63 minus the 26 of the provider's random suffix).
func TestBucketPrefixOfTheLongestStackName(t *testing.T) {
	if got := FilestoreBucketPrefix("prod"); got != "digit-prod-filestore" {
		t.Errorf("FilestoreBucketPrefix(prod) = %q", got)
	}
	longest := FilestoreBucketPrefix(strings.Repeat("a", 21))
	if len(longest) != MaxBucketPrefixLength || !BucketPrefixPattern.MatchString(longest) {
		t.Errorf("prefix %q (%d characters) of a 21-character stack: want %d, matching %s", longest, len(longest),
			MaxBucketPrefixLength, BucketPrefixPattern)
	}
	if tooLong := FilestoreBucketPrefix(strings.Repeat("a", 22)); BucketPrefixPattern.MatchString(tooLong) {
		t.Errorf("prefix %q of a 22-character stack matches %s", tooLong, BucketPrefixPattern)
	}
}
