// ${{ values.name }}: ${{ values.description }}
package main

const port = ${{ values.httpPort }}

func main() {}
