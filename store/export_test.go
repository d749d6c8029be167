package store

// SourceHash is sourceHash, for the black-box tests.
var SourceHash = sourceHash
