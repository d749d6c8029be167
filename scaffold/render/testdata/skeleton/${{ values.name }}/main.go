// Package main is ${{ values.name | replace("-", "") }}.
package main
