package scaffold

import "testing"

func TestReplaceDir(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{name: "path below", in: "open /srv/ws/out/a.txt: is a directory", want: "open out/a.txt: is a directory"},
		{name: "the directory", in: "mkdir /srv/ws: permission denied", want: "mkdir the workspace: permission denied"},
		{name: "quoted", in: `path "/srv/ws/x"`, want: `path "x"`},
		{name: "file URL", in: "read file:///srv/ws/a", want: "read a"},
		{name: "inside a URL", in: "https://host/srv/ws/a", want: "https://host/srv/ws/a"},
		{name: "a longer name", in: "/srv/wsx/a and /srv/ws-old", want: "/srv/wsx/a and /srv/ws-old"},
		{name: "twice", in: "/srv/ws/a -> /srv/ws/b", want: "a -> b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := replaceDir(tc.in, "/srv/ws", "the workspace"); got != tc.want {
				t.Errorf("replaceDir(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDiffering(t *testing.T) {
	for _, tc := range []struct{ name, r, a, b, want string }{
		{name: "middle", r: "pw=hunter2 len=7", a: "pw=abcdefg len=7", b: "pw=hijklmn len=7", want: "hunter2"},
		{name: "one canary agrees at the edge", r: "x=hunter2", a: "x=hbcdefg", b: "x=ijklmn2", want: "hunter2"},
		{name: "same", r: "len=7", a: "len=7", b: "len=7", want: ""},
		{name: "multibyte", r: "a→é←b", a: "a→x←b", b: "a→y←b", want: "é"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := differing(tc.r, tc.a, tc.b); got != tc.want {
				t.Errorf("differing = %q, want %q", got, tc.want)
			}
		})
	}
}
