package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestDeviceCommands: device list names this node and the communities it
// is vouched for in; device name names it there, and in the communities
// created later; device remove refuses this node and a malformed id (the
// removal itself is TestDevices in node).
func TestDeviceCommands(t *testing.T) {
	a := startDaemon(t)
	if r := a.run(t, "device", "name", "work laptop"); r.code != 1 || !strings.Contains(r.stderr, "vouched for in no community yet") {
		t.Errorf("device name before any community: exit %d, %q", r.code, r.stderr)
	}
	community := a.createdID(t, "community", "create", "--name", "Devices", "--invite-only")
	if r := a.run(t, "device", "list"); !strings.Contains(r.stderr, "kith device name") {
		t.Errorf("device list of an unnamed node does not say how to name it: %q", r.stderr)
	}
	var ds []api.Device
	if err := json.Unmarshal([]byte(a.mustRun(t, "device", "list", "--json")), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || !ds[0].This || len(ds[0].Communities) != 1 || ds[0].Communities[0].String() != community {
		t.Fatalf("device list: %+v", ds)
	}
	if out := a.mustRun(t, "device", "list"); !strings.Contains(out, ds[0].PeerID) || !strings.Contains(out, "(this node)") {
		t.Errorf("device list: %q", out)
	}
	if out := a.mustRun(t, "device", "name", "  work laptop "); !strings.Contains(out, `this node is named "work laptop" in 1 community`) {
		t.Errorf("device name: %q", out)
	}
	if r := a.run(t, "device", "name", "work laptop"); r.code != 1 || !strings.Contains(r.stderr, "already named") {
		t.Errorf("device name again: exit %d, %q", r.code, r.stderr)
	}
	for _, bad := range []string{strings.Repeat("n", 101), "tab\there"} {
		if r := a.run(t, "device", "name", bad); r.code != 1 || !strings.Contains(r.stderr, "device name") {
			t.Errorf("device name %q: exit %d, %q", bad, r.code, r.stderr)
		}
	}
	// A community created later gets the name with its device record.
	a.createdID(t, "community", "create", "--name", "Later")
	ds = nil
	if err := json.Unmarshal([]byte(a.mustRun(t, "device", "list", "--json")), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Name != "work laptop" || len(ds[0].Communities) != 2 {
		t.Errorf("device list after naming, with a second community: %+v", ds)
	}
	if r := a.run(t, "device", "list"); !strings.Contains(r.stdout, "work laptop (this node)") || strings.Contains(r.stderr, "kith device name") {
		t.Errorf("device list of a named node: %q %q", r.stdout, r.stderr)
	}
	if out := a.mustRun(t, "device", "name", ""); !strings.Contains(out, "no name any more in 2 communities") {
		t.Errorf("device name \"\": %q", out)
	}
	if got := decode[deviceJSON](t, a.mustRun(t, "device", "name", "desk", "--json")); got.Name != "desk" || got.Communities != 2 {
		t.Errorf("device name --json: %+v", got)
	}
	for args, want := range map[string]string{
		ds[0].PeerID: "is this node: remove it from another of your devices",
		"nonsense":   "is not a peer id",
	} {
		if r := a.run(t, "device", "remove", args); r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("device remove %s: exit %d, %q", args, r.code, r.stderr)
		}
	}
}
