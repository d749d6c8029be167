package example

// Hello says hello.
func Hello() string { return "hello" }
