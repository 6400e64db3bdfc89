package config

import "testing"

// TestOptionalSwitchesDefaultOnAndFollowAnExplicitValue: the *bool switches read true when unset and the value when
// set (an inverted or dropped check would turn the filestore or an endpoint on or off behind the user's back).
func TestOptionalSwitchesDefaultOnAndFollowAnExplicitValue(t *testing.T) {
	on, off := true, false
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"filestore unset", Filestore{}.IsEnabled(), true},
		{"filestore on", Filestore{Enabled: &on}.IsEnabled(), true},
		{"filestore off", Filestore{Enabled: &off}.IsEnabled(), false},
		{"public unset", EndpointAccess{}.PublicEnabled(), true},
		{"public off", EndpointAccess{Public: &off}.PublicEnabled(), false},
		{"public on", EndpointAccess{Public: &on}.PublicEnabled(), true},
		{"private unset", EndpointAccess{}.PrivateEnabled(), true},
		{"private off", EndpointAccess{Private: &off}.PrivateEnabled(), false},
		{"private on", EndpointAccess{Private: &on}.PrivateEnabled(), true},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
