// Package config holds Sluice's typed configuration, its defaults, and the
// loader that merges command-line flags, SLUICE_* environment variables and
// an optional YAML file, in that order of precedence.
//
// Every option has one name used everywhere: the flag is --<name>, the
// environment variable is SLUICE_<NAME> (upper case, '-' as '_'), and the
// YAML key is <name>. docs/CONFIG.md lists them.
//
// This package must not import any other Sluice package.
package config
