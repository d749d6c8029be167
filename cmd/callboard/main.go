// Command callboard runs the callboard developer portal and its tools, with
// the built-in plugins (app/plugins.go).
package main

import "callboard/app"

func main() { app.Main() }
